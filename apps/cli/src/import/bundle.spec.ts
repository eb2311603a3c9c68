import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPkcs12, createRootCa, exportPrivateKeyPem, generateKeyPair, pemToDer, signLeaf } from '@certctl/pki';
import { NothingToImport, importFiles, readBundle } from './bundle';

let dir = '';
let caPem = '';
let leafPem = '';
let keyPem = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certctl-import-'));
  const ca = await createRootCa({ commonName: 'Import Test Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
  const keys = await generateKeyPair('ECDSA-P256');
  leafPem = (
    await signLeaf({ issuer: ca, subjectPublicKey: keys.publicKey, commonName: 'a.example.com', sans: ['a.example.com'], validityDays: 10 })
  ).certificatePem;
  caPem = ca.certificatePem;
  keyPem = await exportPrivateKeyPem(keys.privateKey);
  mkdirSync(join(dir, 'tree', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'tree', 'bundle.pem'), `${caPem}${leafPem}${keyPem}`); // CA first: the leaf is still found
  writeFileSync(join(dir, 'tree', 'deeper', 'leaf.cer'), pemToDer(leafPem));
  writeFileSync(join(dir, 'tree', 'deeper', 'ca.crt'), caPem);
  writeFileSync(join(dir, 'tree', 'notes.txt'), 'not a certificate');
  writeFileSync(
    join(dir, 'tree', 'store.p12'),
    buildPkcs12({ privateKeyPem: keyPem, certificatesPem: `${leafPem}${caPem}`, passphrase: 's3cret' }),
  );
  writeFileSync(join(dir, 'garbage.pem'), 'hello');
});

describe('certs import: the files and what is in them', () => {
  it('walks directories recursively for .pem/.crt/.cer/.p12/.pfx, sorted; a named file is taken whatever its name', () => {
    const notes = join(dir, 'tree', 'notes.txt');
    expect(importFiles([join(dir, 'tree'), notes]).map((path) => path.slice(dir.length + 1))).toEqual([
      'tree/bundle.pem',
      'tree/deeper/ca.crt',
      'tree/deeper/leaf.cer',
      'tree/store.p12',
      'tree/notes.txt',
    ]);
  });

  it('a PEM bundle: the leaf (not the CA before it), the CA as its chain, and its key (PKCS#8, for --with-key)', () => {
    const bundle = readBundle(join(dir, 'tree', 'bundle.pem'));
    expect(bundle).toEqual({ certificatePem: leafPem, chainPem: caPem, hadKey: true, privateKeyPem: keyPem });
  });

  it('a DER certificate', () => {
    expect(readBundle(join(dir, 'tree', 'deeper', 'leaf.cer'))).toEqual({ certificatePem: leafPem, chainPem: '', hadKey: false });
  });

  it('a PKCS#12 file with its password; a wrong or missing password is an error saying so', () => {
    expect(readBundle(join(dir, 'tree', 'store.p12'), 's3cret')).toEqual({
      certificatePem: leafPem,
      chainPem: caPem,
      hadKey: true,
      privateKeyPem: keyPem,
    });
    expect(() => readBundle(join(dir, 'tree', 'store.p12'), 'wrong')).toThrow(/cannot open the PKCS#12 file: .*password/i);
    expect(() => readBundle(join(dir, 'tree', 'store.p12'))).toThrow(/give --password-file/);
  });

  it('CA certificates only is nothing to import (skipped), not PEM is an error', () => {
    expect(() => readBundle(join(dir, 'tree', 'deeper', 'ca.crt'))).toThrow(NothingToImport);
    expect(() => readBundle(join(dir, 'garbage.pem'))).toThrow('neither PEM nor a DER certificate');
    expect(() => readBundle(join(dir, 'garbage.pem'))).not.toThrow(NothingToImport);
  });
});
