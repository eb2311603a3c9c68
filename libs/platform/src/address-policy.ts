// Which addresses a server-side connection may go to (SSRF policy of the ACME validators and
// of notification deliveries). Production refuses every address that is not globally routable unicast; `allowPrivateAddresses` (local tests,
// internal PKI) lets private, loopback and link-local ones through, but never the
// unspecified, multicast, broadcast or reserved ones, which no server can answer from.
import { isIP } from 'node:net';

export interface ParsedIp {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** The 4 or 16 bytes of an IPv4 or IPv6 address (IPv6 may end in a dotted quad), or null. Zone ids are refused. */
export function parseIp(text: string): ParsedIp | null {
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const kind = isIP(s);
  if (kind === 4) return { family: 4, bytes: Uint8Array.from(s.split('.').map(Number)) };
  if (kind !== 6 || s.includes('%')) return null;
  let head = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    // A trailing dotted quad ("::ffff:1.2.3.4") becomes its two hex groups.
    const v4 = parseIp(s.slice(lastColon + 1));
    if (!v4 || v4.family !== 4) return null;
    const hex = (i: number) => ((v4.bytes[i]! << 8) | v4.bytes[i + 1]!).toString(16);
    head = `${s.slice(0, lastColon + 1)}${hex(0)}:${hex(2)}`;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (p: string | undefined) => (p ? p.split(':').map((g) => parseInt(g, 16)) : []);
  const l = groups(left);
  const r = groups(right);
  const fill = right === undefined ? 0 : 8 - l.length - r.length;
  const all = [...l, ...Array<number>(Math.max(fill, 0)).fill(0), ...r];
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) return null;
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return { family: 6, bytes };
}

interface Range {
  prefix: Uint8Array;
  bits: number;
  name: string;
  /** Refused even when private addresses are allowed. */
  always?: boolean;
  /** The range embeds an IPv4 address at this byte offset, which is checked instead. */
  embedsV4At?: number;
}

function range(cidr: string, name: string, extra: Partial<Range> = {}): Range {
  const [addr, bits] = cidr.split('/');
  return { prefix: parseIp(addr!)!.bytes, bits: Number(bits), name, ...extra };
}

const V4: Range[] = [
  range('0.0.0.0/8', 'unspecified ("this network", RFC 1122)', { always: true }),
  range('10.0.0.0/8', 'private (RFC 1918)'),
  range('100.64.0.0/10', 'shared address space (CGNAT, RFC 6598)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private (RFC 1918)'),
  range('192.0.0.0/24', 'IETF protocol assignments (RFC 6890)'),
  range('192.0.2.0/24', 'documentation (TEST-NET-1)'),
  range('192.88.99.0/24', '6to4 relay anycast (RFC 7526)'),
  range('192.168.0.0/16', 'private (RFC 1918)'),
  range('198.18.0.0/15', 'benchmarking (RFC 2544)'),
  range('198.51.100.0/24', 'documentation (TEST-NET-2)'),
  range('203.0.113.0/24', 'documentation (TEST-NET-3)'),
  range('224.0.0.0/4', 'multicast', { always: true }),
  range('240.0.0.0/4', 'reserved or broadcast', { always: true }),
];

const V6: Range[] = [
  range('::/128', 'unspecified', { always: true }),
  range('::1/128', 'loopback'),
  range('::ffff:0:0/96', 'IPv4-mapped', { embedsV4At: 12 }),
  range('64:ff9b::/96', 'NAT64 (RFC 6052)', { embedsV4At: 12 }),
  range('64:ff9b:1::/48', 'local-use NAT64 (RFC 8215)'),
  range('::/96', 'IPv4-compatible (deprecated)'),
  range('100::/64', 'discard-only (RFC 6666)'),
  range('2001::/32', 'Teredo (RFC 4380)'),
  range('2001:2::/48', 'benchmarking (RFC 5180)'),
  range('2001:10::/28', 'ORCHID (RFC 4843)'),
  range('2001:db8::/32', 'documentation (RFC 3849)'),
  range('2002::/16', '6to4 (RFC 3056)', { embedsV4At: 2 }),
  range('3fff::/20', 'documentation (RFC 9637)'),
  range('fc00::/7', 'unique local (ULA, RFC 4193)'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local (deprecated)'),
  range('ff00::/8', 'multicast', { always: true }),
];

function inRange(bytes: Uint8Array, r: Range): boolean {
  const full = r.bits >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== r.prefix[i]) return false;
  const rest = r.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full]! & mask) === (r.prefix[full]! & mask);
}

export interface AddressClass {
  /** What the address is, e.g. "loopback"; null for a globally routable unicast address. */
  special: string | null;
  /** True when it is refused whatever the policy says (unspecified, multicast, reserved). */
  always: boolean;
}

/** Classifies an address; throws on text that is not an IP address. */
export function classifyAddress(text: string): AddressClass {
  const ip = parseIp(text);
  if (!ip) throw new Error(`not an IP address: ${text}`);
  const ranges = ip.family === 4 ? V4 : V6;
  for (const r of ranges) {
    if (!inRange(ip.bytes, r)) continue;
    if (r.embedsV4At !== undefined) {
      const inner = classifyAddress(ip.bytes.slice(r.embedsV4At, r.embedsV4At + 4).join('.'));
      return inner.special ? { special: `${r.name} ${inner.special}`, always: inner.always } : inner;
    }
    return { special: r.name, always: r.always === true };
  }
  // Everything outside 2000::/3 is not global unicast (and not listed above).
  if (ip.family === 6 && (ip.bytes[0]! & 0xe0) !== 0x20) return { special: 'not global unicast', always: false };
  return { special: null, always: false };
}

/** Null when a validation or delivery may connect to `address` under the policy, else why not (e.g. "127.0.0.1 is loopback"). */
export function refusedAddress(address: string, allowPrivateAddresses: boolean): string | null {
  const c = classifyAddress(address);
  if (!c.special) return null;
  if (allowPrivateAddresses && !c.always) return null;
  return `${address} is a ${c.special} address`;
}

/** The reverse-mapping name of an IP address (RFC 8738 §6: the tls-alpn-01 SNI of an IP identifier). */
export function reverseName(address: string): string {
  const ip = parseIp(address);
  if (!ip) throw new Error(`not an IP address: ${address}`);
  if (ip.family === 4) return `${[...ip.bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const b of ip.bytes) nibbles.push((b >> 4).toString(16), (b & 15).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}
