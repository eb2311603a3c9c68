import { generateKeyPairSync } from 'node:crypto';
import { FlattenedSign, exportJWK } from 'jose';
import type { Redis } from 'ioredis';
import { certIdOf, parseCertId } from '../certificates/cert-id';
import { checkCsrNames, checkKeyPolicy } from '../orders/finalize.service';
import { challengeTypesFor } from '../orders/orders.service';
import { validateContacts } from '../accounts/account-fields';
import { AcmeError } from './errors';
import { canonicalIp, parseIdentifiers } from './identifiers';
import { parseJws, payloadJson, publicJwk, thumbprint, verifyJws } from './jws';
import { NonceService } from './nonces';
import { acmeBaseUrl, acmeHostPolicy } from './urls';

const typeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AcmeError) return e.type;
    throw e;
  }
  return 'no error';
};

async function signed(
  header: Record<string, unknown>,
  payload: unknown,
  key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
) {
  const bytes = payload === '' ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
  return { jws: await new FlattenedSign(bytes).setProtectedHeader(header as never).sign(key), key };
}

describe('JWS (RFC 8555 §6.2)', () => {
  it('ok/parses a flattened JWS and verifies it with the embedded key; empty payload is POST-as-GET', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = await exportJWK(key.publicKey);
    const { jws } = await signed({ alg: 'ES256', url: 'https://x/acme/new-order', nonce: 'n', jwk }, { a: 1 }, key.privateKey);
    const parsed = parseJws(jws);
    expect(payloadJson(await verifyJws(parsed, jwk))).toEqual({ a: 1 });
    const empty = await signed({ alg: 'ES256', url: 'u', nonce: 'n', jwk }, '', key.privateKey);
    expect(payloadJson(await verifyJws(parseJws(empty.jws), jwk))).toBeUndefined();
  });

  it('fail/refuses general serialization, unprotected headers, unknown algorithms, both or neither of kid/jwk', async () => {
    const { jws } = await signed({ alg: 'ES256', url: 'u', kid: 'k' }, {});
    expect(typeOf(() => parseJws({ ...jws, signatures: [] }))).toBe('malformed');
    expect(typeOf(() => parseJws({ ...jws, header: { kid: 'x' } }))).toBe('malformed');
    expect(typeOf(() => parseJws('not an object'))).toBe('malformed');
    const hs = { ...jws, protected: Buffer.from(JSON.stringify({ alg: 'HS256', url: 'u', kid: 'k' })).toString('base64url') };
    expect(typeOf(() => parseJws(hs))).toBe('badSignatureAlgorithm');
    const none = { ...jws, protected: Buffer.from(JSON.stringify({ alg: 'none', url: 'u', kid: 'k' })).toString('base64url') };
    expect(typeOf(() => parseJws(none))).toBe('badSignatureAlgorithm');
    const both = { ...jws, protected: Buffer.from(JSON.stringify({ alg: 'ES256', url: 'u', kid: 'k', jwk: {} })).toString('base64url') };
    expect(typeOf(() => parseJws(both))).toBe('malformed');
    const neither = { ...jws, protected: Buffer.from(JSON.stringify({ alg: 'ES256', url: 'u' })).toString('base64url') };
    expect(typeOf(() => parseJws(neither))).toBe('malformed');
  });

  it('fail/keys: private members, small RSA, curve not matching alg are badPublicKey; a wrong signature is malformed', async () => {
    const ec = await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    expect(typeOf(() => publicJwk(ec, 'ES256'))).toBe('badPublicKey');
    const rsa = await exportJWK(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
    expect(typeOf(() => publicJwk(rsa, 'RS256'))).toBe('badPublicKey');
    const p384 = await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey);
    expect(typeOf(() => publicJwk(p384, 'ES256'))).toBe('badPublicKey');
    expect(publicJwk(p384, 'ES384')).toEqual({ kty: 'EC', crv: 'P-384', x: p384.x, y: p384.y });
    const other = await exportJWK(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
    const { jws } = await signed({ alg: 'ES256', url: 'u', nonce: 'n', jwk: other }, {});
    await expect(verifyJws(parseJws(jws), other)).rejects.toMatchObject({ type: 'malformed' });
  });

  it('ok/EdDSA and RS256 account keys verify; thumbprints follow RFC 7638', async () => {
    for (const [kind, alg] of [
      ['ed25519', 'EdDSA'],
      ['rsa', 'RS256'],
    ] as const) {
      const pair = kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const jwk = await exportJWK(pair.publicKey);
      const { jws } = await signed({ alg, url: 'u', nonce: 'n', jwk }, { ok: true }, pair.privateKey);
      expect(payloadJson(await verifyJws(parseJws(jws), jwk))).toEqual({ ok: true });
    }
    // RFC 7638 §3.1 example
    const rfc = {
      kty: 'RSA',
      e: 'AQAB',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    };
    expect(await thumbprint(rfc)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
});

describe('replay nonces', () => {
  function fakeRedis() {
    const seen = new Set<string>();
    return {
      set: async (k: string, _v: string, _ex: string, _s: number, _nx: string) => (seen.has(k) ? null : (seen.add(k), 'OK')),
    } as unknown as Redis;
  }

  it('ok/a nonce redeems once; forged, truncated and expired ones never', async () => {
    let now = 1_800_000_000_000;
    const nonces = new NonceService('x'.repeat(32), fakeRedis(), 60, () => now);
    const n = nonces.issue();
    expect(n).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await nonces.redeem(n)).toBe(true);
    expect(await nonces.redeem(n)).toBe(false);
    const forged = `${n.slice(0, 30)}${n[30] === 'A' ? 'B' : 'A'}${n.slice(31)}`;
    expect(await nonces.redeem(forged)).toBe(false);
    expect(await nonces.redeem(n.slice(0, 20))).toBe(false);
    const old = nonces.issue();
    now += 61_000;
    expect(await nonces.redeem(old)).toBe(false);
    // another secret (another platform) cannot mint nonces for this one
    const foreign = new NonceService('y'.repeat(32), fakeRedis(), 60, () => now).issue();
    expect(await nonces.redeem(foreign)).toBe(false);
  });
});

describe('identifiers and CSRs', () => {
  it('ok/normalizes names and IPs, dedupes, offers the right challenges', () => {
    expect(
      parseIdentifiers(
        [
          { type: 'dns', value: 'WWW.Example.TEST' },
          { type: 'dns', value: 'www.example.test' },
          { type: 'ip', value: '2001:DB8::0:1' },
        ],
        { allowInternalNames: true },
      ),
    ).toEqual([
      { type: 'dns', value: 'www.example.test' },
      { type: 'ip', value: '2001:db8::1' },
    ]);
    expect(canonicalIp('010.0.0.1')).toBeNull();
    expect(challengeTypesFor({ type: 'dns', value: '*.example.test' })).toEqual(['dns-01']);
    expect(challengeTypesFor({ type: 'ip', value: '192.0.2.1' })).toEqual(['http-01', 'tls-alpn-01']);
  });

  it.each([
    ['127.1', 'dns'],
    ['0x7f.1', 'dns'],
    ['10.0.0.1.5', 'dns'],
    ['localhost', 'dns'],
    ['localhost.localdomain', 'dns'],
    ['printer.local', 'dns'],
    ['db.internal', 'dns'],
    ['app.localhost', 'dns'],
    ['nas.home.arpa', 'dns'],
    ['www.example.test', 'dns'],
    ['*.dev.corp', 'dns'],
    ['intranet', 'dns'],
    ['127.0.0.1', 'ip'],
    ['10.1.2.3', 'ip'],
    ['fe80::1', 'ip'],
  ])('fail/%s (%s) is rejectedIdentifier unless the profile allows internal names', (value, type) => {
    const err = (() => {
      try {
        parseIdentifiers([{ type, value }]);
      } catch (e) {
        return e as AcmeError;
      }
    })()!;
    expect(err).toBeInstanceOf(AcmeError);
    expect(err.type).toBe('rejectedIdentifier');
    expect(err.opts.subproblems).toEqual([
      { type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: expect.any(String), identifier: { type, value } },
    ]);
    const numeric = type === 'dns' && /^(\d+|0x[0-9a-f]*)$/.test(value.split('.').pop()!);
    if (numeric) expect(typeOf(() => parseIdentifiers([{ type, value }], { allowInternalNames: true }))).toBe('rejectedIdentifier');
    else expect(parseIdentifiers([{ type, value }], { allowInternalNames: true })).toHaveLength(1);
  });

  it('ok/public names and globally routable addresses need no flag; unspecified and multicast addresses are always refused', () => {
    expect(
      parseIdentifiers([
        { type: 'dns', value: 'www.example.com' },
        { type: 'dns', value: '*.example.org' },
        { type: 'dns', value: 'localhost.example.com' },
        { type: 'ip', value: '8.8.8.8' },
      ]).map((i) => i.value),
    ).toEqual(['www.example.com', '*.example.org', 'localhost.example.com', '8.8.8.8']);
    for (const value of ['0.0.0.0', '224.0.0.1', 'ff02::1']) {
      expect(typeOf(() => parseIdentifiers([{ type: 'ip', value }], { allowInternalNames: true }))).toBe('rejectedIdentifier');
    }
  });

  it('fail/bad identifiers are rejected with one subproblem each; unknown types are unsupportedIdentifier', () => {
    const err = (() => {
      try {
        parseIdentifiers([
          { type: 'dns', value: 'a.*.example.test' },
          { type: 'dns', value: 'trailing.dot.' },
          { type: 'ip', value: '999.1.1.1' },
        ]);
      } catch (e) {
        return e as AcmeError;
      }
    })()!;
    expect([err.type, err.opts.subproblems?.length]).toEqual(['rejectedIdentifier', 3]);
    expect(typeOf(() => parseIdentifiers([{ type: 'email', value: 'a@b.c' }]))).toBe('unsupportedIdentifier');
    expect(typeOf(() => parseIdentifiers([]))).toBe('malformed');
  });

  it('ok/the CSR must name exactly the identifiers (CN included); keys follow the profile', () => {
    const ids = [
      { type: 'dns' as const, value: 'a.example.test' },
      { type: 'ip' as const, value: '192.0.2.1' },
    ];
    expect(() => checkCsrNames({ commonName: 'A.example.test', sans: ['a.example.test', '192.0.2.1'] }, ids)).not.toThrow();
    expect(typeOf(() => checkCsrNames({ commonName: null, sans: ['a.example.test'] }, ids))).toBe('badCSR');
    expect(typeOf(() => checkCsrNames({ commonName: 'other.test', sans: ['a.example.test', '192.0.2.1'] }, ids))).toBe('badCSR');
    expect(typeOf(() => checkCsrNames({ commonName: null, sans: ['a.example.test', '192.0.2.1', 'b.example.test'] }, ids))).toBe('badCSR');
    const profile = {
      allowedKeyAlgorithms: [
        { algorithm: 'ECDSA', min_size: 256 },
        { algorithm: 'RSA', min_size: 3072 },
      ],
    };
    expect(() => checkKeyPolicy({ keyType: 'ECDSA', keySize: 384 }, profile)).not.toThrow();
    expect(typeOf(() => checkKeyPolicy({ keyType: 'RSA', keySize: 2048 }, profile))).toBe('badCSR');
    expect(typeOf(() => checkKeyPolicy({ keyType: 'Ed25519', keySize: 256 }, profile))).toBe('badCSR');
  });

  it('ok/contacts are single mailto addresses', () => {
    expect(validateContacts(['mailto:ops@example.com'])).toEqual(['mailto:ops@example.com']);
    expect(typeOf(() => validateContacts(['tel:+1555']))).toBe('unsupportedContact');
    expect(typeOf(() => validateContacts(['mailto:a@example.com?subject=x']))).toBe('invalidContact');
    expect(typeOf(() => validateContacts(['mailto:a@example.com,b@example.com']))).toBe('invalidContact');
  });
});

describe('ARI certificate identifiers (RFC 9773 §4.1)', () => {
  it('ok/round-trips AKI and serial, padding a high-bit serial', () => {
    const id = certIdOf('69880cb3', '87654321');
    expect(id).toBe(`${Buffer.from('69880cb3', 'hex').toString('base64url')}.${Buffer.from('0087654321', 'hex').toString('base64url')}`);
    expect(parseCertId(id)).toEqual({ aki: '69880cb3', serial: '87654321' });
    // the RFC's example identifier
    expect(parseCertId('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE').serial).toBe('87654321');
  });

  it('fail/malformed identifiers', () => {
    expect(typeOf(() => parseCertId('no-dot'))).toBe('malformed');
    expect(typeOf(() => parseCertId('a.b.c'))).toBe('malformed');
  });
});

describe('the Host allow-list of the ACME URLs', () => {
  const policy = acmeHostPolicy({
    CERTCTL_PUBLIC_BASE_URL: 'https://certctl.example.com',
    CERTCTL_ACME_ALLOWED_HOSTS: ['acme.example.net', 'alt.example.net:8443'],
    CERTCTL_GATEWAY_PORT: 8080,
    CERTCTL_GATEWAY_TLS_PORT: 8443,
  });

  it.each([
    ['https', 'certctl.example.com', 'https://certctl.example.com'],
    ['https', 'certctl.example.com:443', 'https://certctl.example.com'],
    ['https', 'ACME.example.net:9999', 'https://acme.example.net:9999'],
    ['https', 'alt.example.net:8443', 'https://alt.example.net:8443'],
    ['https', 'localhost:8443', 'https://localhost:8443'],
    ['http', '127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http', '[::1]:8080', 'http://[::1]:8080'],
  ])('ok/%s Host %s is reflected as %s', (proto, host, want) => {
    expect(acmeBaseUrl(policy, proto, host)).toBe(want);
  });

  it.each([
    ['evil.example'],
    ['evil.example:443'],
    ['certctl.example.com:8443'],
    ['alt.example.net:9999'],
    ['localhost:9999'],
    ['localhost'],
    ['certctl.example.com.evil.example'],
    ['certctl.example.com@evil.example'],
    ['evil.example/x'],
    [''],
    [undefined],
  ])('fail/Host %s is never reflected: the configured public URL is used', (host) => {
    expect(acmeBaseUrl(policy, 'https', host)).toBe('https://certctl.example.com');
  });

  it('ok/CERTCTL_ACME_BASE_URL wins over any Host', () => {
    const fixed = acmeHostPolicy({
      CERTCTL_ACME_BASE_URL: 'https://acme.example.org:4443/',
      CERTCTL_PUBLIC_BASE_URL: 'https://certctl.example.com',
      CERTCTL_ACME_ALLOWED_HOSTS: [],
      CERTCTL_GATEWAY_PORT: 8080,
      CERTCTL_GATEWAY_TLS_PORT: 0,
    });
    expect(acmeBaseUrl(fixed, 'http', 'localhost:8080')).toBe('https://acme.example.org:4443');
    expect(acmeBaseUrl(fixed, 'https', 'evil.example')).toBe('https://acme.example.org:4443');
  });
});
