import { Client } from 'pg';
import { readState } from './e2e-env';
import { api, expectProblem, waitFor } from './http';

/**
 * GET /api/v1/audit/export over the real gateway: the filtered trail as CSV, streamed page by
 * page from PostgreSQL (more rows than one export page), newest first, formula-safe, readable by
 * a viewer, refused with problem+json for bad filters and without a key, and audited itself.
 */
const run = Date.now().toString(36);
const actor = `apikey:csv-${run}`;
const ROWS = 1203; // more than two export pages of 500

/** Parses the export's CSV (RFC 4180 quoting, CRLF lines) into records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(cell);
      cell = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      index++;
    } else cell += char;
  }
  return records;
}

beforeAll(async () => {
  // The rows the export must page through, written straight into the table (the API writes one row per request).
  const db = new Client({ connectionString: readState().env.DATABASE_URL });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO audit_events (id, occurred_at, actor, role, action, method, path, resource_type, resource_id, status, details)
       SELECT 'audit-csv-${run}-' || lpad(n::text, 5, '0'), now() - (n || ' seconds')::interval, $1, 'admin',
              CASE WHEN n = 1 THEN '=HYPERLINK("http://evil.example")' ELSE 'csv.test' END,
              'POST', '/api/v1/things, "quoted"', 'thing', 'thing-' || n, 201, jsonb_build_object('n', n)
       FROM generate_series(1, ${ROWS}) AS n`,
      [actor],
    );
  } finally {
    await db.end();
  }
});

describe('the audit trail as CSV', () => {
  it('ok/streams every matching event, newest first, across export pages, with cells quoted and formulas defused', async () => {
    const res = await api('GET', `/api/v1/audit/export?actor=${encodeURIComponent(actor)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="certctl-audit-[\w-]+\.csv"$/);
    const [header, ...rows] = parseCsv(res.text);
    expect(header.join(',')).toBe(
      'id,occurred_at,actor,role,action,method,path,resource_type,resource_id,status,latency_ms,request_id,source_ip,body_sha256,details',
    );
    expect(rows).toHaveLength(ROWS);
    const ids = rows.map((row) => row[0]);
    expect(new Set(ids).size).toBe(ROWS);
    expect(ids[0]).toBe(`audit-csv-${run}-00001`); // the newest
    expect(ids[ROWS - 1]).toBe(`audit-csv-${run}-${String(ROWS).padStart(5, '0')}`);
    expect(rows[0][4]).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(rows[1]).toEqual(expect.arrayContaining([actor, 'csv.test', '/api/v1/things, "quoted"', 'thing-2', '201', '{"n":2}']));
  });

  it('ok/applies the same filters as the list: action, resource and time range', async () => {
    const one = await api('GET', `/api/v1/audit/export?actor=${encodeURIComponent(actor)}&resource_type=thing&resource_id=thing-7`);
    expect(
      parseCsv(one.text)
        .slice(1)
        .map((row) => row[8]),
    ).toEqual(['thing-7']);
    const list = await api('GET', `/api/v1/audit?actor=${encodeURIComponent(actor)}&limit=500`);
    const newest = list.body.data[0].occurred_at as string;
    const fifth = list.body.data[4].occurred_at as string;
    const range = await api(
      'GET',
      `/api/v1/audit/export?actor=${encodeURIComponent(actor)}&action=csv.test&since=${encodeURIComponent(fifth)}&until=${encodeURIComponent(newest)}`,
    );
    // since is inclusive, until exclusive: rows 2..5 (row 1 is the newest and has another action anyway).
    expect(
      parseCsv(range.text)
        .slice(1)
        .map((row) => row[0]),
    ).toEqual([2, 3, 4, 5].map((n) => `audit-csv-${run}-0000${n}`));
  });

  it('ok/a viewer may export, and the export is itself audited with its filters', async () => {
    const key = await api('POST', '/api/v1/api-keys', { body: { name: `csv-viewer-${run}`, role: 'viewer' } });
    expect(key.status).toBe(201);
    const res = await api('GET', `/api/v1/audit/export?actor=${encodeURIComponent(actor)}&resource_id=thing-3`, { key: key.body.key });
    expect(res.status).toBe(200);
    expect(parseCsv(res.text)).toHaveLength(2);
    const row = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/audit?action=audit.export&actor=${encodeURIComponent(key.body.principal)}`);
        return r.body.data?.[0];
      },
      15000,
      'the audit row of the export',
    );
    expect(row).toMatchObject({ method: 'GET', path: expect.stringContaining('/api/v1/audit/export'), status: 200, role: 'viewer' });
    expect(row.details).toMatchObject({ filters: { actor, resource_id: 'thing-3' } });
  });

  it('fail/bad filters and a missing key are problems, never a partial CSV', async () => {
    const bad = await api('GET', '/api/v1/audit/export?since=yesterday');
    expectProblem(bad, 422);
    expect(JSON.stringify(bad.body)).toContain('since');
    expectProblem(await api('GET', '/api/v1/audit/export?limit=5'), 422); // no paging parameters: it exports every match
    expectProblem(await api('GET', '/api/v1/audit/export', { key: null }), 401);
  });
});
