import fc from 'fast-check';
import { applyDerMutations, derMutations } from '@certctl/testing';
import { CertID, OCSPRequest, Request, TBSRequest, id_pkix_ocsp_nonce } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Extension } from '@peculiar/asn1-x509';
import { PkiError } from './errors';
import { parseOcspRequest } from './ocsp';

const HASH_OIDS = { sha1: '1.3.14.3.2.26', sha256: '2.16.840.1.101.3.4.2.1' } as const;

/** A DER OCSPRequest for these serials (hex, DER-positive), with a nonce when given. */
function request(serials: string[], hash: keyof typeof HASH_OIDS, nonce?: Uint8Array): Buffer {
  const size = hash === 'sha1' ? 20 : 32;
  const tbs = new TBSRequest({
    requestList: serials.map(
      (hex) =>
        new Request({
          reqCert: new CertID({
            hashAlgorithm: new AlgorithmIdentifier({ algorithm: HASH_OIDS[hash] }),
            issuerNameHash: new OctetString(new Uint8Array(size).fill(1)),
            issuerKeyHash: new OctetString(new Uint8Array(size).fill(2)),
            serialNumber: new Uint8Array(Buffer.from(hex, 'hex')).buffer,
          }),
        }),
    ),
  });
  if (nonce) tbs.requestExtensions = [new Extension({ extnID: id_pkix_ocsp_nonce, extnValue: new OctetString(nonce) })];
  return Buffer.from(AsnConvert.serialize(new OCSPRequest({ tbsRequest: tbs })));
}

/** A positive DER INTEGER's content: first byte 0x01-0x7f, then up to 19 more. */
const serialArb = fc
  .tuple(fc.integer({ min: 1, max: 0x7f }), fc.uint8Array({ maxLength: 19 }))
  .map(([first, rest]) => Buffer.concat([Buffer.from([first]), Buffer.from(rest)]).toString('hex'));

function onlyPkiErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof PkiError)) throw err;
    expect(err.code).toBe('bad_ocsp_request');
  }
}

describe('OCSP request parsing (property)', () => {
  it('ok/valid requests round-trip: serials, hash and nonce', () => {
    fc.assert(
      fc.property(
        fc.array(serialArb, { minLength: 1, maxLength: 16 }),
        fc.constantFrom('sha1', 'sha256' as const),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 32 }), { nil: undefined }),
        (serials, hash, nonce) => {
          const parsed = parseOcspRequest(request(serials, hash, nonce));
          expect(parsed.certs.map((c) => c.serialNumber)).toEqual(serials);
          expect(parsed.certs.every((c) => c.hash === hash)).toBe(true);
          expect(parsed.nonceExtension !== undefined).toBe(nonce !== undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ok/arbitrary bytes: a parsed request or PkiError(bad_ocsp_request), never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => onlyPkiErrors(() => parseOcspRequest(bytes))),
      { numRuns: 1000 },
    );
  });

  it('ok/mutated valid requests (bit flips, truncation, inserted or appended bytes): parsed or PkiError(bad_ocsp_request)', () => {
    fc.assert(
      fc.property(
        fc.array(serialArb, { minLength: 1, maxLength: 3 }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 16 }), { nil: undefined }),
        derMutations(4),
        (serials, nonce, mutations) => {
          const der = applyDerMutations(request(serials, 'sha1', nonce), mutations);
          onlyPkiErrors(() => parseOcspRequest(der));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('fail/any bytes appended to a valid request are refused', () => {
    fc.assert(
      fc.property(serialArb, fc.uint8Array({ minLength: 1, maxLength: 16 }), (serial, extra) => {
        expect(() => parseOcspRequest(Buffer.concat([request([serial], 'sha1'), extra]))).toThrow(PkiError);
      }),
      { numRuns: 200 },
    );
  });
});
