import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlattenedSign, type JWK, exportJWK } from 'jose';
import { api } from './http';
import { gatewayUrl, readState } from './e2e-env';

/** The default ACME directory of the e2e stack, as clients are given it. */
export function directoryUrl(profileId?: string): string {
  return `${gatewayUrl()}/acme${profileId ? `/profile/${profileId}` : ''}/directory`;
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
    this.directory = (await (await fetch(directoryUrl())).json()) as Record<string, string>;
    return this;
  }

  async nonce(): Promise<string> {
    const r = await fetch(this.directory.newNonce, { method: 'HEAD' });
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
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/jose+json' }, body });
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

/** Environment for lego and certbot: trust the platform's CA bundle when the directory is https. */
export function acmeClientEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir() };
}
