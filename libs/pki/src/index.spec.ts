import * as pki from './index';

describe('@certctl/pki public API', () => {
  it('ok/exports the documented functions and classes', () => {
    const fns = [
      'generateKeyPair',
      'exportPrivateKeyPem',
      'importPrivateKeyPem',
      'describeKey',
      'randomSerialHex',
      'fingerprintSha256',
      'pemToDer',
      'derToPem',
      'splitPemChain',
      'createRootCa',
      'createIntermediateCa',
      'signLeaf',
      'parseCsr',
      'createCsr',
      'parseCertificate',
      'loadCaCertificate',
      'classifySan',
    ] as const;
    for (const f of fns) expect(typeof pki[f]).toBe('function');
    expect(new pki.PkiError('bad_csr', 'x')).toMatchObject({ name: 'PkiError', code: 'bad_csr', message: 'x' });
    expect(new pki.PkiError('bad_csr', 'x')).toBeInstanceOf(Error);
    expect(pki.SecretBox.fromSecret('x'.repeat(32)).currentVersion).toBe(1);
    expect(pki.KEY_ALGORITHMS).toHaveLength(6);
  });

  it('ok/end to end through the alias: CSR → leaf → chain bundle → parse', async () => {
    const root = await pki.createRootCa({ commonName: 'Alias Root', keyAlgorithm: 'Ed25519', validityDays: 10 });
    const keys = await pki.generateKeyPair('ECDSA-P256');
    const csr = await pki.parseCsr(await pki.createCsr({ keys, commonName: 'alias.example.com', sans: [] }));
    const leaf = await pki.signLeaf({ issuer: root, subjectPublicKey: csr.publicKey, commonName: 'alias.example.com', sans: csr.sans });
    const bundle = leaf.certificatePem + root.certificatePem;
    const [first, second] = pki.splitPemChain(bundle);
    expect(pki.fingerprintSha256(first as string)).toBe(leaf.fingerprintSha256);
    expect(pki.fingerprintSha256(second as string)).toBe(root.fingerprintSha256);
    const info = await pki.parseCertificate(bundle);
    expect(info).toMatchObject({
      commonName: 'alias.example.com',
      sans: ['alias.example.com'],
      keyType: 'ECDSA',
      keySize: 256,
      isCa: false,
    });
  });
});
