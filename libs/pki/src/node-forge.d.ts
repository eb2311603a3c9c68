/** The few parts of node-forge (no bundled types) read here: PKCS#12 files' certificates and their key. */
declare module 'node-forge' {
  interface ForgeBuffer {
    getBytes(): string;
  }
  interface Asn1 {
    readonly tagClass: number;
  }
  interface Certificate {
    readonly serialNumber: string;
  }
  interface PrivateKey {
    readonly n: unknown;
  }
  interface Bag {
    cert?: Certificate | null;
    /** An RSA key node-forge decoded; null for other key types (then asn1 is the PrivateKeyInfo). */
    key?: PrivateKey | null;
    asn1?: Asn1;
  }
  interface Pkcs12 {
    getBags(filter: { bagType: string }): Record<string, Bag[] | undefined>;
  }
  const forge: {
    util: { createBuffer(bytes: string): ForgeBuffer };
    asn1: { fromDer(input: ForgeBuffer): Asn1; toDer(asn1: Asn1): ForgeBuffer };
    pkcs12: { pkcs12FromAsn1(asn1: Asn1, strict: boolean, password: string): Pkcs12 };
    pki: {
      oids: Record<string, string>;
      certificateToAsn1(cert: Certificate): Asn1;
      privateKeyToAsn1(key: PrivateKey): Asn1;
      wrapRsaPrivateKey(rsaKey: Asn1): Asn1;
    };
  };
  export type { Bag };
  export default forge;
}
