import { SCEP_CA_CAPS, ScepAttribute, ScepFailInfo, ScepMessageType, ScepPkiStatus } from './index';

// Our SCEP names pinned to RFC 8894's text (and the IANA "SCEP Message Types" and "SCEP CA
// Capabilities" registries it creates, §6).

describe('SCEP constants against RFC 8894', () => {
  it('§3.2.1: the signed attribute OIDs (id-VeriSign pki attributes, and id-scep-failInfoText)', () => {
    expect(ScepAttribute).toEqual({
      messageType: '2.16.840.1.113733.1.9.2',
      pkiStatus: '2.16.840.1.113733.1.9.3',
      failInfo: '2.16.840.1.113733.1.9.4',
      senderNonce: '2.16.840.1.113733.1.9.5',
      recipientNonce: '2.16.840.1.113733.1.9.6',
      transactionID: '2.16.840.1.113733.1.9.7',
      failInfoText: '1.3.6.1.5.5.7.24.1',
    });
  });

  it('§3.2.1.2: messageType values as decimal PrintableStrings (CertRep 3, RenewalReq 17, PKCSReq 19, CertPoll 20, GetCert 21, GetCRL 22)', () => {
    expect(ScepMessageType).toEqual({ CertRep: '3', RenewalReq: '17', PKCSReq: '19', CertPoll: '20', GetCert: '21', GetCRL: '22' });
  });

  it('§3.2.1.3: pkiStatus values (SUCCESS 0, FAILURE 2, PENDING 3)', () => {
    expect(ScepPkiStatus).toEqual({ SUCCESS: '0', FAILURE: '2', PENDING: '3' });
  });

  it('§3.2.1.4: failInfo values (badAlg 0, badMessageCheck 1, badRequest 2, badTime 3, badCertId 4)', () => {
    expect(ScepFailInfo).toEqual({ badAlg: '0', badMessageCheck: '1', badRequest: '2', badTime: '3', badCertId: '4' });
  });

  it('§3.5.2: every GetCACaps keyword we answer is one the RFC defines, and SCEPStandard comes with what it implies (AES, POSTPKIOperation, SHA-256)', () => {
    const defined = ['AES', 'DES3', 'GetNextCACert', 'POSTPKIOperation', 'Renewal', 'SHA-1', 'SHA-256', 'SHA-512', 'SCEPStandard'];
    for (const keyword of SCEP_CA_CAPS) expect(defined).toContain(keyword);
    expect(SCEP_CA_CAPS).toEqual(expect.arrayContaining(['SCEPStandard', 'AES', 'POSTPKIOperation', 'SHA-256']));
  });
});
