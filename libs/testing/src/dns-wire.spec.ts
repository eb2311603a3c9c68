import { DNS_TYPE, DnsFormatError, RCODE, encodeName, encodeResponse, parseQuery, readName, truncated, txtData } from './dns-wire';

/** A query as a stub resolver sends it: id, RD set, one question. */
function query(name: string, type: number, id = 0x1234): Buffer {
  const header = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

describe('DNS wire format', () => {
  it('ok/parses a query header and question', () => {
    const q = parseQuery(query('_acme-challenge.Example.com.', DNS_TYPE.TXT));
    expect(q).toMatchObject({ id: 0x1234, opcode: 0, qdcount: 1, question: { name: '_acme-challenge.Example.com', type: 16, class: 1 } });
    expect(q.questionBytes).toEqual(Buffer.concat([encodeName('_acme-challenge.Example.com'), Buffer.from([0, 16, 0, 1])]));
  });

  it('ok/follows compression pointers; refuses pointer loops and names past the end', () => {
    const msg = Buffer.concat([Buffer.alloc(12), encodeName('example.com'), Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 12])]);
    expect(readName(msg, 25)).toEqual({ name: 'www.example.com', next: 31 });
    const loop = Buffer.concat([Buffer.alloc(12), Buffer.from([0xc0, 12])]);
    expect(() => readName(loop, 12)).toThrow(DnsFormatError);
    expect(() => parseQuery(Buffer.concat([Buffer.alloc(4), Buffer.from([0, 1]), Buffer.alloc(6), Buffer.from([5, 0x61])]))).toThrow(
      DnsFormatError,
    );
    expect(() => parseQuery(Buffer.alloc(5))).toThrow('message shorter than a header');
  });

  it('ok/writes an authoritative answer naming its records by a pointer to the question', () => {
    const q = parseQuery(query('a.example.com', DNS_TYPE.A));
    const out = encodeResponse(q, RCODE.NOERROR, [{ type: DNS_TYPE.A, ttl: 60, data: Buffer.from([192, 0, 2, 1]) }]);
    expect(out.readUInt16BE(0)).toBe(0x1234);
    expect(out.readUInt16BE(2)).toBe(0x8580); // QR, AA, RD echoed, RA, NOERROR
    expect([out.readUInt16BE(4), out.readUInt16BE(6), out.readUInt16BE(8), out.readUInt16BE(10)]).toEqual([1, 1, 0, 0]);
    const answer = out.subarray(12 + q.questionBytes!.length);
    expect(answer.toString('hex')).toBe('c00c' + '0001' + '0001' + '0000003c' + '0004' + 'c0000201');
    const nx = encodeResponse(q, RCODE.NXDOMAIN);
    expect(nx.readUInt16BE(2) & 0xf).toBe(3);
    const tc = truncated(out, q.questionBytes!.length);
    expect(tc.readUInt16BE(2) & 0x0200).toBe(0x0200);
    expect(tc.readUInt16BE(6)).toBe(0);
    expect(tc.length).toBe(12 + q.questionBytes!.length);
  });

  it('ok/TXT data is split into character-strings of at most 255 bytes', () => {
    expect(txtData('abc')).toEqual(Buffer.from([3, 0x61, 0x62, 0x63]));
    expect(txtData('')).toEqual(Buffer.from([0]));
    const long = txtData('x'.repeat(300));
    expect([long[0], long[256], long.length]).toEqual([255, 45, 302]);
    expect(() => encodeName(`${'a'.repeat(64)}.com`)).toThrow(DnsFormatError);
  });
});
