// A small RFC 8555 client for k6: ES256 account keys (WebCrypto), JWS with jwk or kid,
// replay nonces carried from answer to answer, optional external account binding (HS256).
import { hmac, sha256 } from 'k6/crypto';
import { b64decode, b64encode } from 'k6/encoding';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { BASE_URL } from './env.ts';
import { acmeDirectoryPath } from './requests.ts';

export interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  [k: string]: unknown;
}

const b64u = (s: string | ArrayBuffer) => b64encode(s, 'rawurl');
const JOSE = { 'content-type': 'application/jose+json' };

export function directory(profileId?: string): { res: RefinedResponse<ResponseType | undefined>; dir?: Directory } {
  const res = http.get(`${BASE_URL}${acmeDirectoryPath(profileId)}`, { tags: { acme: 'directory' } });
  return { res, dir: res.status === 200 ? (res.json() as unknown as Directory) : undefined };
}

export class AcmeClient {
  private nonce?: string;
  kid?: string;
  private jwk?: Record<string, string>;
  private keys?: K6CryptoKeyPair;

  constructor(readonly dir: Directory) {}

  async init(): Promise<void> {
    this.keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const j = await crypto.subtle.exportKey('jwk', this.keys.publicKey);
    this.jwk = { crv: 'P-256', kty: 'EC', x: j.x!, y: j.y! };
  }

  /** RFC 7638 thumbprint of the account key, for key authorizations. */
  thumbprint(): string {
    const j = this.jwk!;
    return sha256(`{"crv":"${j.crv}","kty":"${j.kty}","x":"${j.x}","y":"${j.y}"}`, 'base64rawurl');
  }

  newNonce(): RefinedResponse<ResponseType | undefined> {
    const res = http.head(this.dir.newNonce, { tags: { acme: 'new-nonce' } });
    this.nonce = res.headers['Replay-Nonce'];
    return res;
  }

  /** A JWS-signed POST (payload undefined: POST-as-GET). Retries once on badNonce. */
  async post(url: string, payload: unknown, name: string, useJwk = false): Promise<RefinedResponse<ResponseType | undefined>> {
    for (let attempt = 0; ; attempt++) {
      if (!this.nonce) this.newNonce();
      const header: Record<string, unknown> = { alg: 'ES256', nonce: this.nonce, url };
      if (useJwk || !this.kid) header.jwk = this.jwk;
      else header.kid = this.kid;
      const protectedB64 = b64u(JSON.stringify(header));
      const payloadB64 = payload === undefined ? '' : b64u(JSON.stringify(payload));
      const sig = await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        this.keys!.privateKey,
        bytes(`${protectedB64}.${payloadB64}`),
      );
      const res = http.post(url, JSON.stringify({ protected: protectedB64, payload: payloadB64, signature: b64u(sig) }), {
        headers: JOSE,
        tags: { acme: name },
      });
      this.nonce = res.headers['Replay-Nonce'];
      const badNonce = res.status === 400 && String(res.body ?? '').includes('badNonce');
      if (!badNonce || attempt > 0) return res;
    }
  }

  /** The external account binding of RFC 8555 §7.3.4: the account key signed with the EAB HMAC key. */
  externalAccountBinding(kid: string, hmacKeyB64Url: string): unknown {
    const protectedB64 = b64u(JSON.stringify({ alg: 'HS256', kid, url: this.dir.newAccount }));
    const payloadB64 = b64u(JSON.stringify(this.jwk));
    const signature = hmac('sha256', b64decode(hmacKeyB64Url, 'rawurl'), `${protectedB64}.${payloadB64}`, 'base64rawurl');
    return { protected: protectedB64, payload: payloadB64, signature };
  }
}

function bytes(s: string): ArrayBuffer {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out.buffer;
}
