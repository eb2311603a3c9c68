import { MAX_INPUT_DEPTH, findInputHazard, sanitizeText, textHazard } from './input-hazards';

describe('input hazards (the shared edge rule)', () => {
  it('bad/NUL anywhere in a value or a key is named by its path', () => {
    expect(findInputHazard({ a: { b: ['ok', 'x\u0000y'] } }, '')).toMatchObject({ field: 'a.b.1', message: expect.stringMatching(/NUL/) });
    expect(findInputHazard({ ['k\u0000']: 1 }, 'query')).toMatchObject({ field: 'query', message: expect.stringMatching(/key/) });
    expect(findInputHazard('\u0000', 'path')).toMatchObject({ field: 'path' });
  });

  it('bad/unpaired surrogates are refused, pairs are fine', () => {
    expect(textHazard('a\ud800')).toMatch(/Unicode/);
    expect(textHazard('\udc00a')).toMatch(/Unicode/);
    expect(textHazard('emoji 😀')).toBeNull();
  });

  it('bad/nesting deeper than the limit is refused without recursion (100,000 levels)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100000; i++) deep = [deep];
    expect(findInputHazard(deep, '')).toMatchObject({ tooDeep: true });
    let ok: unknown = 'x';
    for (let i = 0; i < MAX_INPUT_DEPTH; i++) ok = { a: ok };
    expect(findInputHazard(ok, '')).toBeNull();
  });

  it('ok/buffers, numbers, booleans and null pass', () => {
    expect(findInputHazard({ n: 1, b: true, z: null, buf: Buffer.from([0, 0, 0]) }, '')).toBeNull();
  });

  it('ok/sanitizeText escapes controls, replaces lone surrogates and cuts long text', () => {
    expect(sanitizeText('a\u0000b\u001b', 100)).toBe('a\\u0000b\\u001b');
    expect(sanitizeText('tab\tnew\nline', 100)).toBe('tab\tnew\nline');
    expect(sanitizeText('x\ud800', 100)).toBe('x\ufffd');
    expect(sanitizeText('abcdef', 4)).toBe('abc…');
  });
});
