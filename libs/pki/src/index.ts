export { PkiError, PkiErrorCode } from './errors';
export { pkiErrorToAppError, translatePkiErrors, isNameConstraintsError, PKI_ERROR_APP_CODE, type PkiErrorContext } from './app-error';
export type { CryptoKey, CryptoKeyPair } from './provider';
export { pemToDer, derToPem, splitPemChain, fingerprintSha256, toArrayBuffer } from './pem';
export {
  certificatePemOfDer,
  pemCertificates,
  pemHoldsPrivateKey,
  pemPrivateKey,
  pkcs12Contents,
  privateKeyMatchesCertificate,
} from './certificate-files';
export { randomSerialHex, normalizeSerialHex } from './serial';
export {
  KEY_ALGORITHMS,
  generateKeyPair,
  keyAlgorithmFor,
  exportPrivateKeyPem,
  exportSpki,
  importPrivateKeyPem,
  describeKey,
  type KeyAlgorithm,
  type KeyType,
  type KeyDescription,
} from './keys';
export { classifySan, type SubjectAltName, type SanType } from './san';
export { canonicalIp } from './ip';
export {
  checkDnsName,
  normalizeDnsName,
  isMixedScriptIdn,
  isNumericLookingName,
  isSpoofedName,
  internalNameReason,
  INTERNAL_NAME_SUFFIXES,
  type DnsNameCheck,
} from './dns-name';
export { checkSanRules, type SanRules } from './san-rules';
export {
  createRootCa,
  createIntermediateCa,
  loadCaCertificate,
  type CaCertificate,
  type CreatedCa,
  type RootCaOptions,
  type IntermediateCaOptions,
  type IssuedCertificateInfo,
} from './ca';
export {
  signLeaf,
  parseCertificate,
  certificateSummary,
  DEFAULT_LEAF_VALIDITY_DAYS,
  type CertificateSummary,
  type LeafRequest,
  type CertificateInfo,
  type ExtendedKeyUsageName,
} from './certificate';
export { parseCsr, csrPublicKey, createCsr, type ParsedCsr } from './csr';
export { SecretBox } from './secret-box';
export { hashSecret, verifySecret } from './secret-hash';
export {
  renewalPoint,
  DEFAULT_RENEW_BEFORE_FRACTION,
  renewalDueAt,
  ariDueAt,
  renewalStartAt,
  renewalSchedule,
  policyRule,
  type RenewalInput,
  type RenewalSchedule,
  type RenewalScheduleInput,
  type RenewalReason,
} from './renewal';
export { buildCrl, type CrlEntry, type CrlRequest } from './crl';
export {
  parseOcspRequest,
  issuerCertIdHashes,
  OcspSigner,
  ocspErrorResponse,
  OCSP_MAX_REQUEST_BYTES,
  type OcspCertId,
  type ParsedOcspRequest,
  type OcspStatus,
  type OcspSingleResult,
  type OcspErrorStatus,
} from './ocsp';
export { signOcspResponder, type OcspResponderRequest } from './ocsp-responder';
export {
  normalizeNameConstraints,
  isEmptyNameConstraints,
  readNameConstraints,
  checkNameConstraints,
  dnsWithin,
  ipWithin,
  emailWithin,
  type NameConstraintsSpec,
  type CaNameConstraints,
} from './name-constraints';
export { checkLeafPolicy, defaultKeyUsages, KEY_USAGES_BY_TYPE, type LeafPolicy, type SanPolicy, type KeyUsageName } from './policy';
export { validateCaImport, CaImportError, type CaImportRequest, type ImportedCa, type ImportField } from './import-ca';
export { buildPkcs12, privateKeyPkcs8Pem, type Pkcs12Request } from './pkcs12';
export {
  MASK,
  maskSecret,
  isSealed,
  sealValue,
  openValue,
  maskedView,
  isSecretKey,
  sealSecretFields,
  openSecretFields,
  maskSecretFields,
  hasUnsealedSecrets,
  enrollmentSettingsAad,
  type SealedValue,
  type SealProblem,
} from './sealed-fields';
export { parseAllowList, cidrContains, scanRangeProblems, addressesOf, MAX_SCAN_ADDRESS_BITS, type ScanRangeProblem } from './scan-range';
export { certificateIdentity, type CertificateIdentity } from './certificate-identity';
export * from './scep';
export { keygenRecipients, type KeygenRecipient } from './est-keygen-recipients';
export { sealServerGeneratedKey, ID_CT_KP_AKEY_PACKAGE, SERVER_GENERATED_KEY, type ServerKeyRequest } from './est-server-key';
