// zlint and pkilint over every kind of certificate, CRL and OCSP response libs/pki signs,
// for each key algorithm, shaped as the services shape them (pki-corpus.ts).
import { KEY_ALGORITHMS } from '@certctl/pki';
import { ACCEPTED, ensureLintTools, formatFindings, isAccepted, lintAll, rfcErrors, type Finding, type LintTools } from './linters';
import { buildPkiCorpus, type LintSubject } from './pki-corpus';

describe('conformance: libs/pki output under zlint and pkilint', () => {
  let tools: LintTools;
  let corpus: LintSubject[];
  let findings: Finding[];

  beforeAll(async () => {
    tools = ensureLintTools();
    corpus = await buildPkiCorpus();
    findings = await lintAll(tools, corpus);
  }, 600_000);

  it('covers every key algorithm, CA level, leaf kind, CRLs and OCSP answers', () => {
    const names = new Set(corpus.map((s) => s.name));
    for (const alg of KEY_ALGORITHMS) {
      for (const kind of [
        'root',
        'intermediate',
        'issuing-ca',
        'tls-server',
        'tls-client',
        'smime',
        'short-lived',
        'gateway',
        'ocsp-responder',
      ]) {
        expect(names).toContain(`${alg.toLowerCase()}/${kind}`);
      }
      for (const kind of ['crl', 'crl-empty', 'ocsp-good', 'ocsp-revoked', 'ocsp-unknown', 'ocsp-nonce'])
        expect(names).toContain(`${alg.toLowerCase()}/${kind}`);
    }
  });

  it('zlint: no error or fatal from an RFC lint (RFC 5280, 5480, 6960, 8813, ...) on any certificate', () => {
    expect(formatFindings(rfcErrors(findings))).toBe('');
  });

  it('zlint and pkilint: every warning and error is one of the accepted private-CA findings', () => {
    expect(formatFindings(findings.filter((f) => !isAccepted(f)))).toBe('');
  });

  it('pkilint: the CRLs and OCSP responses have no finding at all', () => {
    const kinds = new Map(corpus.map((s) => [s.name, s.kind]));
    expect(formatFindings(findings.filter((f) => kinds.get(f.subject) !== 'certificate'))).toBe('');
  });

  it('the accepted list has no stale entry: each one still matches a finding', () => {
    const unused = ACCEPTED.filter((a) => !a.stackOnly && !findings.some((f) => isAccepted(f, [a])));
    expect(unused.map((a) => `${a.tool} ${a.code}`)).toEqual([]);
  });
});
