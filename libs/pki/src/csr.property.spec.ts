import fc from 'fast-check';
import { applyDerMutations, derMutations } from '@certctl/testing';
import { createCsr, parseCsr } from './csr';
import { PkiError } from './errors';
import { generateKeyPair } from './keys';
import { derToPem, pemToDer } from './pem';
import type { CryptoKeyPair } from './provider';

async function onlyPkiErrors(p: Promise<unknown>): Promise<unknown> {
  try {
    return await p;
  } catch (err) {
    if (!(err instanceof PkiError)) throw err;
    expect(['bad_csr', 'bad_pem', 'unsupported_key', 'bad_key']).toContain(err.code);
    return err;
  }
}

describe('CSR parsing (property)', () => {
  let keys: CryptoKeyPair;
  let validDer: Buffer;
  beforeAll(async () => {
    keys = await generateKeyPair('ECDSA-P256');
    validDer = pemToDer(await createCsr({ keys, commonName: 'prop.example.com', sans: ['prop.example.com', 'www.prop.example.com'] }));
  });

  it('ok/arbitrary bytes as the DER: a parsed CSR or a PkiError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        await onlyPkiErrors(parseCsr(derToPem(bytes, 'CERTIFICATE REQUEST')));
      }),
      { numRuns: 400 },
    );
  });

  it('ok/arbitrary text as the PEM: a parsed CSR or a PkiError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.base64String({ maxLength: 300 }).map((b) => `-----BEGIN CERTIFICATE REQUEST-----\n${b}\n-----END CERTIFICATE REQUEST-----`),
        ),
        async (text) => {
          await onlyPkiErrors(parseCsr(text));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('ok/mutated valid CSRs (bit flips, truncation, inserted bytes): parsed (a flipped signature is signatureValid false) or a PkiError', async () => {
    await fc.assert(
      fc.asyncProperty(derMutations(3), async (mutations) => {
        const der = applyDerMutations(validDer, mutations);
        const out = await onlyPkiErrors(parseCsr(derToPem(der, 'CERTIFICATE REQUEST')));
        if (!(out instanceof PkiError) && !der.equals(validDer)) {
          // whatever still parses is reported honestly: the bytes it checked are the bytes given
          expect((out as { der: Buffer }).der.equals(der)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('ok/createCsr → parseCsr round-trips the common name and SANs with a valid signature', async () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.oneof(
            fc.tuple(label, label).map(([a, b]) => `${a}.${b}.example.com`),
            fc.ipV4(),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        async (sans) => {
          const csr = await parseCsr(await createCsr({ keys, commonName: sans[0]!, sans }));
          expect(csr.signatureValid).toBe(true);
          expect(csr.commonName).toBe(sans[0]);
          expect(csr.sans).toEqual(sans);
        },
      ),
      { numRuns: 25 },
    );
  });
});
