import { isIP } from 'node:net';
import { classifyAddress } from '@certctl/platform';
import { canonicalIp, checkDnsName, internalNameReason, isNumericLookingName } from '@certctl/pki';
import { AcmeError, type AcmeSubproblem } from './errors';

export { canonicalIp };

export interface Identifier {
  type: 'dns' | 'ip';
  value: string;
}

export interface IdentifierPolicy {
  /**
   * The profile's `allow_internal_names`: accept names that cannot be public DNS names
   * (single labels, localhost, *.local, *.internal, RFC 6761 names...) and IP addresses that
   * are not globally routable (loopback, private, link-local, documentation...).
   */
  allowInternalNames?: boolean;
}

/**
 * The identifiers of a newOrder, checked one by one: dns names (at most one leading
 * wildcard label, no trailing dot, ASCII/IDNA, no mixed-script homoglyphs, never
 * numeric-looking like `127.1`, public unless the profile allows internal names) and ip
 * addresses (globally routable unless the profile allows internal names). Every bad one is
 * a subproblem of one `rejectedIdentifier` (or `malformed`).
 */
export function parseIdentifiers(raw: unknown, policy: IdentifierPolicy = {}): Identifier[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new AcmeError('malformed', 'identifiers must be a non-empty array');
  if (raw.length > 100) throw new AcmeError('rejectedIdentifier', 'an order may name at most 100 identifiers');
  const out: Identifier[] = [];
  const problems: AcmeSubproblem[] = [];
  const seen = new Set<string>();
  for (const item of raw as unknown[]) {
    if (
      !item ||
      typeof item !== 'object' ||
      typeof (item as Identifier).type !== 'string' ||
      typeof (item as Identifier).value !== 'string'
    ) {
      throw new AcmeError('malformed', 'each identifier must be {"type": ..., "value": ...}');
    }
    const { type, value } = item as Identifier;
    if (type === 'dns') {
      const v = value.toLowerCase();
      const checked = checkDnsName(v);
      // An all-numeric last label is refused below, with the numeric-looking names.
      if (v.endsWith('.') || (!checked.ok && checked.problem !== 'numeric') || isIP(v)) {
        problems.push({
          type: 'urn:ietf:params:acme:error:rejectedIdentifier',
          detail: `${JSON.stringify(value)} is not a valid DNS name`,
          identifier: { type, value },
        });
        continue;
      }
      if (v.includes('*') && !/^\*\.[^*]+$/.test(v)) {
        problems.push({
          type: 'urn:ietf:params:acme:error:rejectedIdentifier',
          detail: 'only one wildcard label, leftmost, is allowed',
          identifier: { type, value },
        });
        continue;
      }
      if (isNumericLookingName(v)) {
        problems.push({
          type: 'urn:ietf:params:acme:error:rejectedIdentifier',
          detail: `${JSON.stringify(value)} looks like an IPv4 address but is not one; order an "ip" identifier instead`,
          identifier: { type, value },
        });
        continue;
      }
      const internal = policy.allowInternalNames ? null : internalNameReason(v);
      if (internal) {
        problems.push({
          type: 'urn:ietf:params:acme:error:rejectedIdentifier',
          detail: `${JSON.stringify(value)} is not a public DNS name (${internal}); the profile does not allow internal names`,
          identifier: { type, value },
        });
        continue;
      }
      if (!seen.has(`dns:${v}`)) out.push({ type: 'dns', value: v });
      seen.add(`dns:${v}`);
    } else if (type === 'ip') {
      const v = canonicalIp(value);
      if (!v) {
        problems.push({
          type: 'urn:ietf:params:acme:error:rejectedIdentifier',
          detail: `${JSON.stringify(value)} is not an IP address`,
          identifier: { type, value },
        });
        continue;
      }
      const address = classifyAddress(v);
      if (address.special && (address.always || !policy.allowInternalNames)) {
        problems.push({
          type: 'urn:ietf:params:acme:error:rejectedIdentifier',
          detail: address.always
            ? `${v} is a ${address.special} address`
            : `${v} is a ${address.special} address; the profile does not allow internal names`,
          identifier: { type, value },
        });
        continue;
      }
      if (!seen.has(`ip:${v}`)) out.push({ type: 'ip', value: v });
      seen.add(`ip:${v}`);
    } else {
      problems.push({
        type: 'urn:ietf:params:acme:error:unsupportedIdentifier',
        detail: `identifier type ${JSON.stringify(type)} is not supported (dns, ip)`,
        identifier: { type, value },
      });
    }
  }
  if (problems.length) {
    throw new AcmeError(
      problems.length === 1 && problems[0].type.endsWith('unsupportedIdentifier') ? 'unsupportedIdentifier' : 'rejectedIdentifier',
      problems.map((p) => p.detail).join('; '),
      {
        subproblems: problems,
      },
    );
  }
  return out;
}

/** Names as they must appear in the CSR and certificate (wildcards included). */
export function identifierNames(ids: readonly Identifier[]): string[] {
  return ids.map((i) => i.value).sort();
}
