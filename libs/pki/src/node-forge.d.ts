/** The few parts of node-forge (no bundled types) read here: PKCS#12 files' certificates and whether they hold a key. */
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
  interface Bag {
    cert?: Certificate | null;
    asn1?: Asn1;
  }
  interface Pkcs12 {
    getBags(filter: { bagType: string }): Record<string, Bag[] | undefined>;
  }
  const forge: {
    util: { createBuffer(bytes: string): ForgeBuffer };
    asn1: { fromDer(input: ForgeBuffer): Asn1; toDer(asn1: Asn1): ForgeBuffer };
    pkcs12: { pkcs12FromAsn1(asn1: Asn1, strict: boolean, password: string): Pkcs12 };
    pki: { oids: Record<string, string>; certificateToAsn1(cert: Certificate): Asn1 };
  };
  export default forge;
}
