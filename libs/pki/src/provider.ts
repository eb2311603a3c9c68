// Single place that wires @peculiar/x509 to Node's WebCrypto. Every module in this
// library imports `x509` from here so the provider is set exactly once, at load time.
import 'reflect-metadata'; // @peculiar/x509 uses tsyringe, which needs the Reflect polyfill
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

/** WebCrypto key types (the DOM lib is not enabled in this repo, so re-export Node's). */
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const subtle = webcrypto.subtle;
export { x509 };
