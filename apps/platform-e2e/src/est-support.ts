import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayUrl, readState } from './e2e-env';

/** Runs a command (stdin closed); resolves with its exit code, stdout and stderr (never rejects). */
export function run(cmd: string, args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    const child = execFile(cmd, args, { timeout: 60000, cwd, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, out: String(stdout), err: String(stderr) }),
    );
    child.stdin?.end();
  });
}

/** A scratch folder for keys, CSRs and answers. */
export const scratch = () => mkdtempSync(join(tmpdir(), 'certctl-est-'));

export interface CurlResult {
  status: number;
  headers: string;
  body: Buffer;
}

/**
 * curl against the gateway as RFC 7030's examples do: `path` under /.well-known/est, over HTTP
 * (default) or the HTTPS port (trusting the gateway's CA), with the extra arguments given.
 */
export async function curlEst(dir: string, path: string, extra: string[] = [], https = false): Promise<CurlResult> {
  const state = readState();
  const base = https ? `https://localhost:${state.tls.port}` : gatewayUrl(state);
  const tag = Math.random().toString(36).slice(2);
  const [bodyFile, headerFile] = [join(dir, `body-${tag}`), join(dir, `headers-${tag}`)];
  const tls = https ? ['--cacert', join(state.tls.dir, 'ca.pem')] : [];
  const r = await run('curl', [
    '-sS',
    '-o',
    bodyFile,
    '-D',
    headerFile,
    '-w',
    '%{http_code}',
    ...tls,
    ...extra,
    `${base}/.well-known/est${path}`,
  ]);
  if (r.code !== 0 && !/^\d{3}$/.test(r.out)) throw new Error(`curl failed (${r.code}): ${r.err}`);
  return { status: Number(r.out), headers: readFileSync(headerFile, 'utf8').toLowerCase(), body: readFileSync(bodyFile) };
}

/** `openssl req`: a new key (EC P-256 unless `keyArgs` says otherwise) and a base64 DER CSR file for `subject`. */
export async function newCsr(
  dir: string,
  name: string,
  subject: string,
  keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
) {
  const key = join(dir, `${name}.key`);
  const der = join(dir, `${name}.csr.der`);
  const r = await run('openssl', ['req', '-new', ...keyArgs, '-nodes', '-keyout', key, '-subj', subject, '-outform', 'DER', '-out', der]);
  if (r.code !== 0) throw new Error(`openssl req failed: ${r.err}`);
  const b64 = join(dir, `${name}.csr.b64`);
  writeFileSync(b64, readFileSync(der).toString('base64'));
  return { key, b64 };
}

/** A certs-only PKCS#7 answer (base64) printed by `openssl pkcs7 -print_certs` into `<name>.pem`. */
export async function printCerts(dir: string, name: string, base64Body: Buffer): Promise<{ file: string; pem: string }> {
  const der = join(dir, `${name}.p7b`);
  writeFileSync(der, Buffer.from(base64Body.toString('latin1').replace(/\s+/g, ''), 'base64'));
  const file = join(dir, `${name}.pem`);
  const r = await run('openssl', ['pkcs7', '-inform', 'DER', '-in', der, '-print_certs', '-out', file]);
  if (r.code !== 0) throw new Error(`openssl pkcs7 failed: ${r.err}`);
  return { file, pem: readFileSync(file, 'utf8') };
}

/** A test CA and a client certificate it issued (openssl), for client-certificate authentication. */
export async function clientCa(dir: string, name: string) {
  const ca = { key: join(dir, `${name}-ca.key`), cert: join(dir, `${name}-ca.pem`) };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', ca.key, '-out', ca.cert, '-subj', `/CN=${name} device CA`, '-days', '2']);
  const client = { key: join(dir, `${name}-client.key`), csr: join(dir, `${name}-client.csr`), cert: join(dir, `${name}-client.pem`) };
  await run('openssl', ['req', '-new', ...ec, '-keyout', client.key, '-out', client.csr, '-subj', `/CN=${name}-device-1`]);
  const signed = await run('openssl', [
    'x509',
    '-req',
    '-in',
    client.csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    client.cert,
    '-days',
    '1',
  ]);
  if (signed.code !== 0) throw new Error(`openssl x509 failed: ${signed.err}`);
  return { ca, client };
}

/**
 * `openssl req` with a config whose `[ req_attributes ]` asks for the server-generated key to be
 * encrypted (AsymmetricDecryptKeyIdentifier, RFC 7030 §4.4.1.2) for `keyId`. openssl writes the
 * attribute as a character string, which the server reads by its bytes.
 */
export async function csrAskingEncryption(dir: string, name: string, commonName: string, keyId: string) {
  const config = join(dir, `${name}.cnf`);
  writeFileSync(
    config,
    [
      'oid_section = new_oids',
      '[ new_oids ]',
      'asymmDecryptKeyID = 1.2.840.113549.1.9.16.2.54',
      '[ req ]',
      'prompt = no',
      'distinguished_name = dn',
      'attributes = req_attributes',
      '[ dn ]',
      `CN = ${commonName}`,
      '[ req_attributes ]',
      `asymmDecryptKeyID = ${keyId}`,
      '',
    ].join('\n'),
  );
  // The subject comes from the config too: with -subj, openssl req leaves the attributes out.
  const der = join(dir, `${name}.csr.der`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`)];
  const made = await run('openssl', ['req', '-new', ...ec, '-config', config, '-outform', 'DER', '-out', der]);
  if (made.code !== 0) throw new Error(`openssl req failed: ${made.err}`);
  const b64 = join(dir, `${name}.csr.b64`);
  writeFileSync(b64, readFileSync(der).toString('base64'));
  return { der, b64 };
}

/** A recipient for encrypted server-generated keys (openssl): RSA, keyEncipherment, subject key identifier = the bytes of `keyId`. */
export async function keygenRecipient(dir: string, name: string, keyId: string) {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  const ski = Buffer.from(keyId).toString('hex');
  const usage = ['-addext', 'keyUsage=critical,keyEncipherment', '-addext', `subjectKeyIdentifier=${ski}`];
  const self = ['-subj', `/CN=${name}`, '-days', '2', ...usage];
  const r = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, ...self]);
  if (r.code !== 0) throw new Error(`openssl req -x509 failed: ${r.err}`);
  return { key, cert, pem: readFileSync(cert, 'utf8'), ski };
}

/** The parts of a multipart/mixed answer: each content type and its base64-decoded body. */
export function multipartParts(headers: string, body: Buffer): { type: string; der: Buffer }[] {
  const boundary = /boundary=([^\s;]+)/.exec(headers)![1];
  return body
    .toString('latin1')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => ({
      type: /content-type: ([^\r\n]+)/i.exec(part)![1],
      der: Buffer.from(part.split('\r\n\r\n')[1].replace(/\s+/g, ''), 'base64'),
    }));
}
