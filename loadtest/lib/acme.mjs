/* global fetch */
// Shared by the ACME load tests: an ACME profile that trusts EAB-bound accounts (no
// challenge round trips), an EAB key for it, and a certificate obtained through it.
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs it
import * as x509 from '@peculiar/x509';
import acme from 'acme-client';

export async function restApi(base, key, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The loadtest's trusted ACME profile (created once) and a fresh EAB key for it. */
export async function trustedProfile(base, key) {
  const profiles = await restApi(base, key, 'GET', '/api/v1/profiles?limit=500');
  let profile = profiles.data.find((p) => p.name === 'loadtest-acme-trusted');
  profile ??= await restApi(base, key, 'POST', '/api/v1/profiles', {
    name: 'loadtest-acme-trusted',
    acme_auth_mode: 'trust_authenticated',
    acme_eab_required: true,
    allow_internal_names: true, // the load tests order names under .test
  });
  const eab = await restApi(base, key, 'POST', '/api/v1/acme/eab-keys', { profile_id: profile.id, description: 'loadtest' });
  return { profile, eab };
}

/** One certificate through the trusted profile: account (EAB), order (ready at once), finalize. */
export async function trustedCertificate(base, key, name) {
  const { profile, eab } = await trustedProfile(base, key);
  const client = new acme.Client({
    directoryUrl: `${base}/acme/profile/${profile.id}/directory`,
    accountKey: await acme.crypto.createPrivateEcdsaKey(),
    externalAccountBinding: { kid: eab.id, hmacKey: eab.hmac_key },
    backoffMin: 50,
    backoffMax: 500,
  });
  await client.createAccount({ termsOfServiceAgreed: true });
  const order = await client.createOrder({ identifiers: [{ type: 'dns', value: name }] });
  const [, csr] = await acme.crypto.createCsr({ commonName: name }, await acme.crypto.createPrivateEcdsaKey());
  const done = await client.finalizeOrder(order, csr);
  return client.getCertificate(done);
}

/** RFC 9773 certificate identifier (base64url(AKI).base64url(serial)) of the leaf of a PEM chain. */
export function ariCertId(pem) {
  const leaf = `${pem.split('-----END CERTIFICATE-----')[0]}-----END CERTIFICATE-----\n`;
  const cert = new x509.X509Certificate(leaf);
  const aki = Buffer.from(cert.getExtension(x509.AuthorityKeyIdentifierExtension).keyId, 'hex');
  let serial = Buffer.from(cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber, 'hex');
  if (serial[0] & 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${aki.toString('base64url')}.${serial.toString('base64url')}`;
}
