// Network scan ranges: size limits, the operator allow-list, and the addresses of a block.
import { type Cidr, applyMask, cidrText, parseCidr } from './cidr';
import { canonicalIp } from './ip';

/** At most 4096 addresses per block: an IPv4 /20, an IPv6 /116. */
export const MAX_SCAN_ADDRESS_BITS = 12;

export interface ScanRangeProblem {
  cidr: string;
  message: string;
}

/** The allow-list (comma/space separated CIDR blocks); `invalid` lists the entries that are not blocks. */
export function parseAllowList(raw: string | undefined): { allowed: Cidr[]; invalid: string[] } {
  const entries = (raw ?? '').split(/[\s,]+/).filter(Boolean);
  const allowed: Cidr[] = [];
  const invalid: string[] = [];
  for (const entry of entries) {
    const block = parseCidr(entry);
    if (block) allowed.push(block);
    else invalid.push(entry);
  }
  return { allowed, invalid };
}

/** Whether `inner` lies entirely inside `outer` (same family, no shorter prefix). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.bytes.length === inner.bytes.length && outer.prefix <= inner.prefix && applyMask(inner.bytes, outer.prefix).equals(outer.bytes)
  );
}

/**
 * Why each requested block may not be scanned: malformed, larger than 4096 addresses, or not
 * inside a block of the allow-list (an empty allow-list refuses everything: scanning is off).
 */
export function scanRangeProblems(cidrs: readonly string[], allowList: readonly Cidr[]): ScanRangeProblem[] {
  const problems: ScanRangeProblem[] = [];
  for (const cidr of cidrs) {
    const block = parseCidr(cidr);
    if (!block) {
      problems.push({ cidr, message: 'is not a CIDR block (address/prefix)' });
      continue;
    }
    const hostBits = block.bytes.length * 8 - block.prefix;
    if (hostBits > MAX_SCAN_ADDRESS_BITS) {
      const limit = block.bytes.length === 4 ? '/20' : '/116 (4096 addresses)';
      problems.push({ cidr, message: `is larger than ${limit}` });
    } else if (!allowList.some((allowed) => cidrContains(allowed, block))) {
      problems.push({
        cidr,
        message: allowList.length
          ? `is not inside CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS (${allowList.map(cidrText).join(', ')})`
          : 'cannot be scanned: network scanning is off until CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS lists the ranges it may touch',
      });
    }
  }
  return problems;
}

function addressText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return canonicalIp(groups.join(':')) as string;
}

/** Every address of a block of at most 4096 addresses, in order. */
export function addressesOf(cidr: string): string[] {
  const block = parseCidr(cidr);
  if (!block) throw new Error(`not a CIDR block: ${cidr}`);
  const hostBits = block.bytes.length * 8 - block.prefix;
  if (hostBits > MAX_SCAN_ADDRESS_BITS) throw new Error(`${cidr} is larger than 4096 addresses`);
  const out: string[] = [];
  const current = Buffer.from(block.bytes);
  for (let n = 0; n < 2 ** hostBits; n++) {
    out.push(addressText(current));
    for (let i = current.length - 1; i >= 0; i--) {
      current[i] = ((current[i] as number) + 1) & 0xff;
      if (current[i] !== 0) break;
    }
  }
  return out;
}
