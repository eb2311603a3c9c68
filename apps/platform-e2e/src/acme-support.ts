import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { FlattenedSign, type JWK, exportJWK } from 'jose';
import { api } from './http';
import { readState } from './e2e-env';

/** Where ACME clients reach the platform: the gateway's HTTPS listener (RFC 8555 §6.1) and the platform's CA bundle. */
export function acmeBase(): { url: string; caFile: string } {
  const { tls } = readState();
  return { url: `https://localhost:${tls.port}`, caFile: join(tls.dir, 'ca.pem') };
}

/** The default (or a profile's) ACME directory of the e2e stack, as clients are given it. */
export function directoryUrl(profileId?: string): string {
  return `${acmeBase().url}/acme${profileId ? `/profile/${profileId}` : ''}/directory`;
}

/** acme-client (axios) trusts the platform's CA bundle. */
export function trustPlatformCa(): void {
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: readFileSync(acmeBase().caFile) });
}

/** fetch() for the ACME endpoints: https with the platform's CA bundle (node's fetch takes no CA). */
export async function acmeFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const ca = readFileSync(acmeBase().caFile);
  return new Promise<{ status: number; headers: Headers; text(): Promise<string>; json(): Promise<any> }>((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? 'GET', headers: init.headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode ?? 0, headers, text: async () => text, json: async () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Drives the challenge test server (DNS answers the ACME service sees). */
export async function challengeServer(path: string, body: Record<string, unknown>): Promise<void> {
  const { acme } = readState();
  const res = await fetch(`http://127.0.0.1:${acme.managementPort}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`challenge test server ${path}: ${res.status} ${await res.text()}`);
}

/** The issuing CA of the seeded local issuer, written to a file for `openssl verify`. */
export async function caFile(): Promise<string> {
  const r = await api('GET', '/api/v1/issuers/iss-local');
  const dir = mkdtempSync(join(tmpdir(), 'acme-ca-'));
  const file = join(dir, 'ca.pem');
  writeFileSync(file, `${r.body.ca_certificate_pem}${r.body.ca_chain_pem ?? ''}`);
  return file;
}

/** `openssl verify` of a PEM chain (leaf first) against the local CA; returns openssl's output. */
export async function opensslVerify(chainPem: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'acme-chain-'));
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  writeFileSync(join(dir, 'leaf.pem'), `${blocks[0]}\n`);
  writeFileSync(join(dir, 'untrusted.pem'), `${blocks.slice(1).join('\n')}\n`);
  const args = ['verify', '-CAfile', await caFile()];
  if (blocks.length > 1) args.push('-untrusted', join(dir, 'untrusted.pem'));
  args.push(join(dir, 'leaf.pem'));
  return execFileSync('openssl', args, { encoding: 'utf8' });
}

/** A raw ACME client for the error paths: signs exactly what the test says, nothing more. */
export class RawAcme {
  readonly key: KeyObject;
  jwk!: JWK;
  kid?: string;
  directory!: Record<string, string>;

  constructor(key?: KeyObject) {
    this.key = key ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  }

  async init(): Promise<this> {
    this.jwk = await exportJWK(this.key);
    delete this.jwk.d;
    this.directory = (await (await acmeFetch(directoryUrl())).json()) as Record<string, string>;
    return this;
  }

  async nonce(): Promise<string> {
    const r = await acmeFetch(this.directory.newNonce, { method: 'HEAD' });
    return r.headers.get('replay-nonce')!;
  }

  async jws(url: string, payload: unknown, o: { nonce?: string; useJwk?: boolean; signUrl?: string; key?: KeyObject; kid?: string } = {}) {
    const header: Record<string, unknown> = { alg: 'ES256', url: o.signUrl ?? url, nonce: o.nonce ?? (await this.nonce()) };
    if (o.useJwk || !(o.kid ?? this.kid)) header.jwk = this.jwk;
    else header.kid = o.kid ?? this.kid;
    const bytes = payload === '' ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
    return new FlattenedSign(bytes).setProtectedHeader(header as never).sign(o.key ?? this.key);
  }

  async post(url: string, payload: unknown, o: Parameters<RawAcme['jws']>[2] = {}) {
    const body = JSON.stringify(await this.jws(url, payload, o));
    const res = await acmeFetch(url, { method: 'POST', headers: { 'content-type': 'application/jose+json' }, body });
    const text = await res.text();
    let json: any = text;
    try {
      json = JSON.parse(text);
    } catch {
      // PEM or empty
    }
    return { status: res.status, headers: res.headers, body: json };
  }

  async register(): Promise<this> {
    const r = await this.post(this.directory.newAccount, { termsOfServiceAgreed: true }, { useJwk: true });
    if (r.status !== 201 && r.status !== 200) throw new Error(`newAccount: ${r.status} ${JSON.stringify(r.body)}`);
    this.kid = r.headers.get('location')!;
    return this;
  }
}

/** Environment for lego and certbot: trust the platform's CA bundle. */
export function acmeClientEnv(): NodeJS.ProcessEnv {
  const { caFile } = acmeBase();
  return { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), LEGO_CA_CERTIFICATES: caFile, REQUESTS_CA_BUNDLE: caFile };
}

/** A complete order answered by dns-01, with TXT records set on the test's DNS server. */
export function issueWithDns01(client: acme.Client, csr: Buffer): Promise<string> {
  return client.auto({
    csr,
    challengePriority: ['dns-01'],
    skipChallengeVerification: true,
    termsOfServiceAgreed: true,
    challengeCreateFn: async (authz, _c, ka) =>
      challengeServer('/set-txt', { host: `_acme-challenge.${authz.identifier.value}.`, value: ka }),
    challengeRemoveFn: async (authz) => challengeServer('/clear-txt', { host: `_acme-challenge.${authz.identifier.value}.` }),
  });
}
