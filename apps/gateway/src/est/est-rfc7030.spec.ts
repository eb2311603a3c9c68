import 'reflect-metadata';
import { csrAttrs, readCsrAttrs } from './est-wire';

// RFC 7030's own bytes. §4.5.2 prints one CSR Attributes response, in base64, for a server
// that wants challengePassword (1.2.840.113549.1.9.7), an ecPublicKey on secp384r1
// (1.3.132.0.34), an extensionRequest holding macAddress (1.3.6.1.1.1.1.22) and ecdsaWithSHA384
// (1.2.840.10045.4.3.3); the base64 below is copied from the RFC text, line break included.
const RFC7030_4_5_2_CSRATTRS = 'MEEGCSqGSIb3DQEJBzASBgcqhkjOPQIBMQcGBSuBBAAiMBYGCSqGSIb3DQEJDjEJ\nBgcrBgEBAQEWBggqhkjOPQQDAw==';
const rfcDer = () => Buffer.from(RFC7030_4_5_2_CSRATTRS, 'base64');

describe('EST against RFC 7030’s example messages', () => {
  it('§4.5.2: the CSR Attributes example reads as the four entries the RFC lists, in order', () => {
    expect(readCsrAttrs(rfcDer())).toEqual([
      { oid: '1.2.840.113549.1.9.7' },
      { type: '1.2.840.10045.2.1', values: ['1.3.132.0.34'] },
      { type: '1.2.840.113549.1.9.14', values: ['1.3.6.1.1.1.1.22'] },
      { oid: '1.2.840.10045.4.3.3' },
    ]);
  });

  it('§4.5.2: for an ECDSA P-384 profile with channel binding, our csrattrs are the RFC’s example bytes without its extensionRequest entry', () => {
    const der = rfcDer();
    // The RFC's SEQUENCE (30 41) holds: challengePassword OID, the ecPublicKey Attribute, the
    // extensionRequest Attribute (30 16 …, 24 bytes) and the ecdsaWithSHA384 OID. We ask for no
    // extension, so ours is that SEQUENCE with the extensionRequest entry cut out.
    const extensionRequest = der.indexOf(Buffer.from('301606092a864886f70d01090e', 'hex'));
    expect(extensionRequest).toBeGreaterThan(0);
    const inner = Buffer.concat([der.subarray(2, extensionRequest), der.subarray(extensionRequest + 0x18)]);
    const expected = Buffer.concat([Buffer.from([0x30, inner.length]), inner]);
    expect(csrAttrs('ECDSA-P384', true).toString('hex')).toBe(expected.toString('hex'));
  });

  it('§4.5.2: what we write reads back as the same entries (P-256, no channel binding)', () => {
    expect(readCsrAttrs(csrAttrs('ECDSA-P256', false))).toEqual([
      { type: '1.2.840.10045.2.1', values: ['1.2.840.10045.3.1.7'] },
      { oid: '1.2.840.10045.4.3.2' },
    ]);
  });
});
