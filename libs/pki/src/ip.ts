import { isIP } from 'node:net';

/**
 * The one canonical text form of an IP address, or null when `text` is not one: IPv4 as a
 * dotted quad (Node refuses leading zeros, so `010.0.0.1` is not an address), IPv6 per RFC 5952
 * (compressed, lowercase; IPv4-mapped and trailing dotted quads become hex groups). Surrounding
 * brackets, as in a URL host (`[::1]`), are accepted and dropped; zone ids (`fe80::1%eth0`) are refused.
 */
export function canonicalIp(text: string): string | null {
  const address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6 || address.includes('%')) return null;
  try {
    // WHATWG URL parsing yields the RFC 5952 form, including for IPv4-mapped addresses.
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}
