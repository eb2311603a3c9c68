import { type KeyAlgorithm, type LeafRequest, exportPrivateKeyPem, generateKeyPair, signLeaf, splitPemChain } from '@certctl/pki';
import type { IssuerService } from './issuer.service';
import { pki } from './revocation-signing.handler';

/** A leaf the platform issues for its own use: which issuer signs it, the key it gets and what the certificate says. */
export interface PlatformLeafRequest extends Pick<LeafRequest, 'commonName' | 'sans' | 'validityDays' | 'ekus' | 'keyUsages'> {
  issuerId: string;
  keyAlgorithm: KeyAlgorithm;
}

/**
 * Issues a leaf from a platform CA with a key pair made here (the platform's own server
 * certificates, SCEP RA certificates): the private key goes back to the caller once, as PKCS#8
 * PEM, and is kept nowhere. `chain` is the issuer's chain (issuing CA first, root last).
 */
export async function issuePlatformLeaf(issuers: Pick<IssuerService, 'ca' | 'chainPem'>, req: PlatformLeafRequest) {
  const ca = await issuers.ca(req.issuerId);
  const chain = splitPemChain(await issuers.chainPem(req.issuerId));
  const keys = await generateKeyPair(req.keyAlgorithm);
  const { issuerId: _issuer, keyAlgorithm: _algorithm, ...names } = req;
  const leaf = await pki(() => signLeaf({ ...names, issuer: ca, subjectPublicKey: keys.publicKey }));
  return {
    ca,
    chain,
    leaf,
    privateKeyPem: await exportPrivateKeyPem(keys.privateKey),
    dates: { not_before: leaf.notBefore.toISOString(), not_after: leaf.notAfter.toISOString() },
  };
}
