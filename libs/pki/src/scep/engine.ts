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
