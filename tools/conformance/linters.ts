// Runs zlint and pkilint over certificates, CRLs and OCSP responses and sorts their findings
// into accepted (listed below with the reason, docs/conformance.md) and unexplained ones.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LintSubject } from './pki-corpus';

const run = promisify(execFile);

export const ZLINT_VERSION = 'v3.7.3';
export const PKILINT_VERSION = '0.13.3';

/** Public-trust programmes: their rules bind publicly trusted CAs, not a private one. */
export const PUBLIC_TRUST_SOURCES = ['CABF_BR', 'CABF_EV', 'CABF_CS_BR', 'CABF_SMIME_BR', 'Mozilla', 'Apple', 'Chrome', 'ETSI_ESI'];

export interface Finding {
  tool: 'zlint' | 'pkilint';
  subject: string;
  /** zlint lint name, or pkilint finding code. */
  code: string;
  severity: string;
  /** zlint: the lint's source (RFC5280, CABF_BR, ...); pkilint: the validator. */
  source: string;
  detail: string;
}

export interface Accepted {
  tool: Finding['tool'];
  code: string;
  /** Only findings on subjects whose name matches (default: any). */
  subjects?: RegExp;
  /** Only findings whose detail matches (default: any). */
  detail?: RegExp;
  /** True when only the running stack's output shows it (the libs/pki corpus cannot). */
  stackOnly?: boolean;
  reason: string;
}

const POLICY_REASON =
  'A private CA asserts no CA/Browser Forum policy OID: it has no audited CP/CPS, and a reserved OID (2.23.140.1.2.x, 2.23.140.1.5.x) would claim Baseline Requirements compliance it does not have.';

/**
 * Every finding the platform accepts, each with why it does not apply to a private CA. Kept in
 * step with docs/conformance.md. zlint errors are accepted only from the public-trust sources
 * above: an RFC lint at error or fatal always fails the conformance tests.
 */
export const ACCEPTED: readonly Accepted[] = [
  { tool: 'zlint', code: 'e_sub_cert_certificate_policies_missing', reason: POLICY_REASON },
  { tool: 'zlint', code: 'e_sub_cert_cert_policy_empty', reason: POLICY_REASON },
  { tool: 'zlint', code: 'e_sub_ca_certificate_policies_missing', reason: POLICY_REASON },
  { tool: 'zlint', code: 'e_invalid_ca_certificate_policies', reason: POLICY_REASON },
  { tool: 'zlint', code: 'e_exactly_one_smime_policy', reason: POLICY_REASON },
  {
    tool: 'zlint',
    code: 'e_ca_country_name_missing',
    reason:
      'CA subjects are CN (+ O) as the operator names them; RFC 5280 requires no countryName, only the Baseline Requirements do for publicly trusted CAs.',
  },
  {
    tool: 'zlint',
    code: 'e_ca_organization_name_missing',
    stackOnly: true,
    reason:
      'organization is optional when an operator creates a CA through the API (POST /api/v1/issuers); RFC 5280 requires no organizationName, only the Baseline Requirements do for publicly trusted CAs.',
  },
  {
    tool: 'zlint',
    code: 'w_root_ca_basic_constraints_path_len_constraint_field_present',
    stackOnly: true,
    reason:
      'The operator asked for path_length on the root; private hierarchies use it to bound their depth. The Baseline Requirements only advise publicly trusted roots against it.',
  },
  {
    tool: 'zlint',
    code: 'e_server_cert_valid_time_longer_than_200_days',
    stackOnly: true,
    reason:
      "A TLS leaf lives as long as its profile's max_validity_days allows (default 397, at most 3650). The Baseline Requirements' 200-day limit (from 15 March 2026; 100 days from 2027, 47 from 2029) binds publicly trusted certificates: operators who want it set max_validity_days to 199 or less.",
  },
  {
    tool: 'zlint',
    code: 'w_server_cert_valid_time_longer_than_199_days',
    stackOnly: true,
    reason: 'The same Baseline Requirements lifetime schedule, as a warning one day earlier.',
  },
  {
    tool: 'zlint',
    code: 'w_sub_cert_aia_contains_internal_names',
    subjects: /^stack\//,
    stackOnly: true,
    reason:
      'The test stack runs with CERTCTL_PUBLIC_BASE_URL=http://127.0.0.1:<port>, which the services write into the OCSP pointer. In production the operator sets it to a name the relying parties resolve.',
  },
  {
    tool: 'zlint',
    code: 'e_signature_algorithm_not_supported',
    subjects: /^(stack\/)?ed25519\//,
    reason:
      'Ed25519 (RFC 8410) is offered for private PKIs; the Baseline Requirements list only RSA and ECDSA. Clients that do not support it are not given Ed25519 issuers.',
  },
  {
    tool: 'zlint',
    code: 'e_algorithm_identifier_improper_encoding',
    subjects: /^(stack\/)?ed25519\//,
    reason:
      'The same Baseline Requirements allow-list of AlgorithmIdentifier encodings, which has no Ed25519 entry; the encoding is the RFC 8410 one (OID 1.3.101.112, parameters absent), pinned by a unit test.',
  },
  {
    tool: 'zlint',
    code: 'e_ext_san_contains_reserved_ip',
    reason:
      'A private CA certifies private and loopback addresses (10.0.0.0/8, 127.0.0.1, ::1) on purpose; only publicly trusted CAs must refuse reserved IP ranges.',
  },
  {
    tool: 'zlint',
    code: 'e_dnsname_not_valid_tld',
    reason:
      'Internal names (localhost, *.internal, *.corp) are what a private CA is for; profiles refuse them unless they allow internal names. Publicly trusted CAs may only certify registered public suffixes.',
  },
  {
    tool: 'zlint',
    code: 'e_missing_crl_distrib_point',
    subjects: /gateway$/,
    reason:
      'The gateway\'s own HTTPS certificate is not an inventory certificate: it is short-lived (90 days), renewed at two thirds of its life and replaced rather than revoked, so it carries no CRL or OCSP pointer that would only ever answer "unknown".',
  },
  {
    tool: 'zlint',
    code: 'e_sub_cert_aia_missing',
    subjects: /gateway$/,
    reason: "As above: the gateway's own certificate has no OCSP pointer and its chain is served in the TLS handshake.",
  },
  {
    tool: 'zlint',
    code: 'w_sub_cert_aia_does_not_contain_issuing_ca_url',
    reason:
      'The platform has no unauthenticated caIssuers endpoint yet: the chain travels with every certificate (API chain_pem, ACME certificate chain, agent bundle) and private-CA clients hold the root.',
  },
  {
    tool: 'zlint',
    code: 'w_ext_subject_key_identifier_not_recommended_subscriber',
    reason:
      'RFC 5280 §4.2.1.2 says leaf certificates SHOULD carry a subjectKeyIdentifier and path builders use it; the Baseline Requirements (since SC-62) only mark it NOT RECOMMENDED, for public TLS.',
  },
  {
    tool: 'zlint',
    code: 'w_subject_common_name_included',
    reason:
      'The common name is kept (and always repeated in subjectAltName when it is a host name): inventories, agents and older private-network clients read it. The Baseline Requirements discourage it for public TLS only.',
  },
  {
    tool: 'pkilint',
    code: 'pkix.invalid_domain_name_syntax',
    subjects: /gateway$/,
    detail: /"localhost"/,
    reason:
      'The gateway certificate names "localhost" by default (CERTCTL_GATEWAY_TLS_NAMES). It is valid RFC 1034 §3.5 preferred name syntax and a reserved name (RFC 6761); pkilint\'s domain check insists on a dot. Only this exact name is accepted.',
  },
];

export function isAccepted(f: Finding, list: readonly Accepted[] = ACCEPTED): Accepted | undefined {
  return list.find(
    (a) => a.tool === f.tool && a.code === f.code && (!a.subjects || a.subjects.test(f.subject)) && (!a.detail || a.detail.test(f.detail)),
  );
}

/** The folder the tools live in: tools/conformance/install-tools.sh installs them there on first use. */
export interface LintTools {
  zlint: string;
  pkilintBin: string;
}

/** Installs zlint and pkilint when missing (idempotent: a second call only checks) and returns their paths. */
export function ensureLintTools(): LintTools {
  const out = execFileSync('bash', [join(__dirname, 'install-tools.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
  });
  const [zlint, pkilintBin] = out.trim().split('\n');
  if (!zlint || !pkilintBin) throw new Error(`install-tools.sh printed no tool paths: ${out}`);
  return { zlint, pkilintBin };
}

const zlintSources = new Map<string, string>();

async function zlintSourceOf(tools: LintTools, lint: string): Promise<string> {
  if (zlintSources.size === 0) {
    const { stdout } = await run(tools.zlint, ['-list-lints-json'], { maxBuffer: 16 << 20 });
    for (const line of stdout.split('\n').filter(Boolean)) {
      const l = JSON.parse(line) as { name: string; source: string };
      zlintSources.set(l.name, l.source);
    }
  }
  return zlintSources.get(lint) ?? 'unknown';
}

async function zlint(tools: LintTools, s: LintSubject, file: string): Promise<Finding[]> {
  const { stdout } = await run(tools.zlint, ['-format', 'der', file], { maxBuffer: 16 << 20 });
  const results = JSON.parse(stdout) as Record<string, { result: string; details?: string }>;
  const out: Finding[] = [];
  for (const [code, r] of Object.entries(results)) {
    if (r.result !== 'warn' && r.result !== 'error' && r.result !== 'fatal') continue;
    out.push({
      tool: 'zlint',
      subject: s.name,
      code,
      severity: r.result,
      source: await zlintSourceOf(tools, code),
      detail: r.details ?? '',
    });
  }
  return out;
}

interface PkilintJson {
  results: { validator: string; node_path: string; finding_descriptions: { severity: string; code: string; message: string | null }[] }[];
}

async function pkilint(tools: LintTools, s: LintSubject, file: string): Promise<Finding[]> {
  const args =
    s.kind === 'crl'
      ? ['lint_crl', 'lint', '-t', 'CRL', '-p', 'PKIX']
      : s.kind === 'ocsp'
        ? ['lint_ocsp_response', 'lint']
        : ['lint_pkix_cert', 'lint'];
  const [cmd, ...rest] = args as [string, ...string[]];
  // pkilint exits non-zero when it reports findings: the JSON on stdout is what counts.
  const stdout = await run(join(tools.pkilintBin, cmd), [...rest, '-s', 'WARNING', '-f', 'JSON', '--document-format', 'DER', file], {
    maxBuffer: 16 << 20,
  }).then(
    (r) => r.stdout,
    (err: { stdout?: string; stderr?: string; message: string }) => {
      if (err.stdout?.trim().startsWith('{')) return err.stdout;
      throw new Error(`${cmd} failed on ${s.name}: ${err.stderr || err.message}`);
    },
  );
  const parsed = JSON.parse(stdout) as PkilintJson;
  return parsed.results.flatMap((r) =>
    r.finding_descriptions.map((d) => ({
      tool: 'pkilint' as const,
      subject: s.name,
      code: d.code,
      severity: d.severity,
      source: r.validator,
      detail: `${r.node_path}: ${d.message ?? ''}`,
    })),
  );
}

/** zlint (certificates) and pkilint (all three kinds) over every subject, two at a time. */
export async function lintAll(tools: LintTools, subjects: readonly LintSubject[]): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'certctl-lint-'));
  try {
    const findings: Finding[] = [];
    let next = 0;
    const worker = async () => {
      while (next < subjects.length) {
        const i = next++;
        const s = subjects[i]!;
        const file = join(dir, `${i}.der`);
        writeFileSync(file, s.der);
        if (s.kind === 'certificate') findings.push(...(await zlint(tools, s, file)));
        findings.push(...(await pkilint(tools, s, file)));
      }
    };
    await Promise.all([worker(), worker()]);
    return findings;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Errors and fatals from RFC lints: never acceptable, whatever the list says. */
export function rfcErrors(findings: readonly Finding[]): Finding[] {
  return findings.filter(
    (f) => f.tool === 'zlint' && (f.severity === 'error' || f.severity === 'fatal') && !PUBLIC_TRUST_SOURCES.includes(f.source),
  );
}

/** One line per finding, for failure messages. */
export const formatFindings = (fs: readonly Finding[]): string =>
  fs.map((f) => `${f.tool} ${f.severity} ${f.code} [${f.source}] on ${f.subject}: ${f.detail}`).join('\n');
