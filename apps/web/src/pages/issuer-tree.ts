import type { ResponseOf } from '../api/client';

export type Issuer = ResponseOf<'/api/v1/issuers', 'get'>['data'][number];
export type IssuerRole = 'root' | 'intermediate' | 'issuing CA' | 'connector';
export interface IssuerNode {
  issuer: Issuer;
  role: IssuerRole;
  children: IssuerNode[];
}

/**
 * The issuers as a forest: local root CAs with their intermediates below them (a CA with CAs
 * below it is an intermediate, one without is an issuing CA), then the connector issuers (ACME,
 * script, …), which have no hierarchy here. A CA whose parent is not in the list is shown as a root.
 */
export function issuerForest(issuers: Issuer[]): { cas: IssuerNode[]; connectors: IssuerNode[] } {
  const byName = (left: Issuer, right: Issuer) => left.name.localeCompare(right.name);
  const local = issuers.filter((issuer) => issuer.type === 'local');
  const ids = new Set(local.map((issuer) => issuer.id));
  const childrenOf = new Map<string, Issuer[]>();
  for (const issuer of local) {
    if (issuer.parent_id && ids.has(issuer.parent_id))
      childrenOf.set(issuer.parent_id, [...(childrenOf.get(issuer.parent_id) ?? []), issuer]);
  }
  const build = (issuer: Issuer, depth: number, seen: Set<string>): IssuerNode => {
    const below = (childrenOf.get(issuer.id) ?? []).filter((child) => !seen.has(child.id)).sort(byName);
    const nextSeen = new Set([...seen, issuer.id]);
    const role: IssuerRole = depth === 0 ? 'root' : below.length ? 'intermediate' : 'issuing CA';
    return { issuer, role, children: below.map((child) => build(child, depth + 1, nextSeen)) };
  };
  const roots = local.filter((issuer) => !issuer.parent_id || !ids.has(issuer.parent_id)).sort(byName);
  return {
    cas: roots.map((root) => build(root, 0, new Set())),
    connectors: issuers
      .filter((issuer) => issuer.type !== 'local')
      .sort(byName)
      .map((issuer) => ({ issuer, role: 'connector' as const, children: [] })),
  };
}

/** The CA chain of an issuer from its root down to it (by parent_id), for the detail page. */
export function chainOf(issuers: Issuer[], id: string): Issuer[] {
  const byId = new Map(issuers.map((issuer) => [issuer.id, issuer]));
  const chain: Issuer[] = [];
  for (
    let current = byId.get(id);
    current && !chain.includes(current);
    current = current.parent_id ? byId.get(current.parent_id) : undefined
  ) {
    chain.unshift(current);
  }
  return chain;
}
