// The part of WebCrypto (a global in k6 ≥ 0.57) the ACME client uses; @types/k6 does not declare it.
interface K6CryptoKey {
  readonly type: string;
}
interface K6CryptoKeyPair {
  publicKey: K6CryptoKey;
  privateKey: K6CryptoKey;
}
interface K6JsonWebKey {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
}
declare const crypto: {
  subtle: {
    generateKey(algorithm: { name: 'ECDSA'; namedCurve: 'P-256' }, extractable: boolean, usages: string[]): Promise<K6CryptoKeyPair>;
    exportKey(format: 'jwk', key: K6CryptoKey): Promise<K6JsonWebKey>;
    sign(algorithm: { name: 'ECDSA'; hash: 'SHA-256' }, key: K6CryptoKey, data: ArrayBuffer): Promise<ArrayBuffer>;
  };
};
