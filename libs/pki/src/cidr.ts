// CIDR blocks for iPAddress name constraints: parsing, masking and the canonical text form.
import { canonicalIp } from './ip';

export interface Cidr {
  bytes: Buffer;
  prefix: number;
}

/** Address bytes of a canonical IPv4 or IPv6 text address. */
export function ipBytes(ip: string): Buffer {
  if (!ip.includes(':')) return Buffer.from(ip.split('.').map(Number));
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

export function parseCidr(raw: string): Cidr | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(raw.trim());
  const ip = m ? canonicalIp(m[1] as string) : null;
  if (!m || !ip) return null;
  const bytes = ipBytes(ip);
  const prefix = Number(m[2]);
  if (prefix > bytes.length * 8) return null;
  return { bytes: applyMask(bytes, prefix), prefix };
}

export function applyMask(bytes: Buffer, prefix: number): Buffer {
  return Buffer.from(bytes.map((b, i) => b & (0xff << (8 - Math.max(0, Math.min(8, prefix - i * 8)))) & 0xff));
}

export function cidrText(c: Cidr): string {
  if (c.bytes.length === 4) return `${[...c.bytes].join('.')}/${c.prefix}`;
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((c.bytes[i] as number) * 256 + (c.bytes[i + 1] as number)).toString(16));
  return `${canonicalIp(groups.join(':'))}/${c.prefix}`;
}
