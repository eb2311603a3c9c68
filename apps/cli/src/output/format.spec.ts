import { parse as parseYaml } from 'yaml';
import { renderDocument, renderRecord, renderTable } from './format';

describe('output formats', () => {
  const rows = [
    { id: 'crt-1', name: 'api', status: 'active', issuer: { id: 'iss-local' }, sans: ['a.example', 'b.example'], not_after: null },
    {
      id: 'crt-22222',
      name: 'payments-gateway',
      status: 'expiring',
      issuer: { id: 'iss-acme' },
      sans: [],
      not_after: '2027-01-01T00:00:00Z',
    },
  ];
  const cols = [
    { header: 'ID', field: 'id' },
    { header: 'NAME', field: 'name' },
    { header: 'ISSUER', field: 'issuer.id' },
    { header: 'SANS', field: 'sans' },
    { header: 'EXPIRES', field: 'not_after' },
  ];

  it('table: headers then one line per row, columns aligned to the widest cell, nulls as -', () => {
    expect(renderTable(rows, cols)).toBe(
      [
        'ID         NAME              ISSUER     SANS                 EXPIRES',
        'crt-1      api               iss-local  a.example,b.example  -',
        'crt-22222  payments-gateway  iss-acme                        2027-01-01T00:00:00Z',
        '',
      ].join('\n'),
    );
  });

  it('table: an empty list is the header line alone', () => {
    expect(renderTable([], cols)).toBe('ID  NAME  ISSUER  SANS  EXPIRES\n');
  });

  it('table: newlines in untrusted values cannot break the layout', () => {
    const out = renderTable([{ id: 'x', name: 'evil\nNAME  injected' }], cols.slice(0, 2));
    expect(out.split('\n')).toHaveLength(3);
    expect(out).toContain('evil NAME injected');
  });

  it('record: one field per line, values aligned', () => {
    expect(renderRecord({ id: 'crt-1', common_name: 'api.example', tags: { env: 'prod' } })).toBe(
      'id           crt-1\ncommon_name  api.example\ntags         {"env":"prod"}\n',
    );
  });

  it('json and yaml: the document with the API field names, parseable back to the same value', () => {
    const doc = { data: rows, next_cursor: null };
    expect(JSON.parse(renderDocument(doc, 'json'))).toEqual(doc);
    expect(parseYaml(renderDocument(doc, 'yaml'))).toEqual(doc);
    expect(renderDocument(doc, 'json').endsWith('}\n')).toBe(true);
  });
});
