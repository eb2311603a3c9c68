export { ScepAttribute, ScepMessageType, ScepPkiStatus, ScepFailInfo, ScepFailure, SCEP_CA_CAPS, type ScepFailInfoName } from './oids';
export { openEnvelope, sealEnvelope, replyCipherOid, SCEP_AES_128_CBC, type OpenedEnvelope } from './envelope';
export {
  parsePkiMessage,
  buildCertRep,
  certsOnly,
  certsOf,
  certRepStatus,
  ScepMalformed,
  type PkiMessage,
  type CertRepRequest,
} from './pki-message';
export { readScepCsr, readCertPoll, type ScepCsr } from './request-content';
