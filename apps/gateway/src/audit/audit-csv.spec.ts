import { type AuditCsvRow, auditCsvStream, csvCell, csvLine } from './audit-csv';

const row = (id: string, extra: Partial<AuditCsvRow> = {}): AuditCsvRow => ({
  id,
  occurred_at: '2026-12-05T08:00:00.000Z',
  actor: 'apikey:alice',
  role: 'admin',
  action: 'api_key.create',
  method: 'POST',
  path: '/api/v1/api-keys',
  resource_type: 'api_key',
  resource_id: 'key-1',
  status: 201,
  latency_ms: 12,
  request_id: 'req-1',
  source_ip: '127.0.0.1',
  body_sha256: null,
  details: {},
  ...extra,
});

async function read(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

describe('audit CSV export', () => {
  it('quotes cells with commas, quotes and line breaks (RFC 4180) and leaves plain ones alone', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(201)).toBe('201');
  });

  it('defuses text a spreadsheet would run as a formula, but not negative numbers', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-5)).toBe('-5');
  });

  it('writes details as JSON in one cell', () => {
    expect(csvLine(row('a1', { details: { reason: 'x', n: 1 } }))).toContain(',"{""reason"":""x"",""n"":1}"\r\n');
  });

  it('streams the header, then every page until the last one has no next cursor', async () => {
    const asked: number[] = [];
    const stream = auditCsvStream<number>({ rows: [row('a1'), row('a2')], next: 2 }, async (cursor) => {
      asked.push(cursor);
      return cursor === 2 ? { rows: [row('a3')], next: 3 } : { rows: [], next: undefined };
    });
    const lines = (await read(stream)).split('\r\n');
    expect(lines[0]).toBe(
      'id,occurred_at,actor,role,action,method,path,resource_type,resource_id,status,latency_ms,request_id,source_ip,body_sha256,details',
    );
    expect(lines.slice(1, -1).map((line) => line.split(',')[0])).toEqual(['a1', 'a2', 'a3']);
    expect(lines[lines.length - 1]).toBe('');
    expect(asked).toEqual([2, 3]);
  });

  it('an empty trail is the header alone', async () => {
    const text = await read(auditCsvStream({ rows: [], next: undefined }, () => Promise.reject(new Error('not asked'))));
    expect(text.split('\r\n')).toHaveLength(2);
  });
});
