// ARI renewal information (GET, public) for a certificate issued through ACME in setup.
import { ariCertId, trustedCertificate } from '../lib/acme.mjs';

export const name = 'acme-renewal-info';
export const description = 'GET /acme/renewal-info/<certID> (public ARI) for a certificate issued through ACME';

let path;

export async function setup(ctx) {
  const base = (process.env.LOADTEST_API_URL ?? ctx.url).replace(/\/+$/, '');
  const pem = await trustedCertificate(base, ctx.key, `ari-lt-${Date.now().toString(36)}.loadtest.example.com`);
  path = `/acme/renewal-info/${ariCertId(pem)}`;
  ctx.log(`ARI for ${path}`);
}

export function requests() {
  if (!path) throw new Error('acme-renewal-info needs its setup (do not pass --no-setup)');
  return [{ method: 'GET', path, auth: false }];
}
