import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';

let installed = false;

/** pkijs with Node's WebCrypto as its engine, set once for the process. */
export function cms(): typeof pkijs {
  if (!installed) {
    pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as never }));
    installed = true;
  }
  return pkijs;
}

/**
 * The bytes in an ArrayBuffer of their own: asn1js keeps views into the buffer it parses and
 * pkijs re-reads some of them by offset, which goes wrong for a Node Buffer that is a slice of
 * a shared pool (request bodies, small Buffer.from copies).
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
