import { normalizeSerialHex, randomSerialHex } from './serial';

describe('randomSerialHex', () => {
  it('ok/1000 draws: 32 lowercase hex chars, positive, minimal DER, never zero, all unique', () => {
    const seen = new Set<string>();
    let topNibbles = 0;
    for (let i = 0; i < 1000; i++) {
      const s = randomSerialHex();
      expect(s).toMatch(/^[0-9a-f]{32}$/);
      const first = parseInt(s.slice(0, 2), 16);
      expect(first & 0x80).toBe(0); // top bit clear → positive INTEGER
      expect(first).not.toBe(0); // no leading zero byte → DER-minimal, never all-zero
      expect(BigInt(`0x${s}`) > 0n).toBe(true);
      topNibbles |= 1 << parseInt(s[0] as string, 16);
      seen.add(s);
    }
    expect(seen.size).toBe(1000);
    expect(topNibbles).toBe(0xff); // first nibble spans 0-7: the randomness is not stuck
  });
});

describe('normalizeSerialHex', () => {
  it.each([
    ['ok/strips leading zero bytes', '00FF01', 'ff01'],
    ['ok/keeps a single zero byte', '0000', '00'],
    ['ok/pads odd length', 'abc', '0abc'],
    ['ok/drops colons', '7F:00:01', '7f0001'],
  ])('%s', (_name, input, expected) => {
    expect(normalizeSerialHex(input)).toBe(expected);
  });
});
