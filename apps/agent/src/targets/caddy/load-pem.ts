/** A `load_pem` entry of Caddy's TLS app: https://caddyserver.com/docs/json/apps/tls/certificates/load_pem/ */
export interface LoadPemEntry {
  certificate: string;
  key: string;
  tags?: string[];
}

type Json = Record<string, unknown>;

const objectAt = (parent: Json, key: string): Json => {
  const value = parent[key];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
};

/**
 * Caddy's running config with this target's certificate in apps.tls.certificates.load_pem:
 * the entry tagged `tag` is replaced (or added); everything else is kept as it was.
 * The input is not modified.
 */
export function withLoadedPem(config: unknown, entry: LoadPemEntry, tag: string): Json {
  const root: Json = structuredClone(config && typeof config === 'object' ? (config as Json) : {});
  const apps = objectAt(root, 'apps');
  const tls = objectAt(apps, 'tls');
  const certificates = objectAt(tls, 'certificates');
  const current = Array.isArray(certificates.load_pem) ? (certificates.load_pem as LoadPemEntry[]) : [];
  const others = current.filter((item) => !(item.tags ?? []).includes(tag));
  certificates.load_pem = [...others, { ...entry, tags: [tag] }];
  tls.certificates = certificates;
  apps.tls = tls;
  root.apps = apps;
  return root;
}
