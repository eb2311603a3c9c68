import { X509Certificate, randomBytes } from 'node:crypto';
import { api } from './http';
import { type ScepRequester, caCertificates, issuerAndSubject, newRequester, pkiMessage, postPkiOperation, scepCsr } from './scep-client';

// SCEP manual enrollment (RFC 8894 §3.3.3): a profile whose certificate profile requires
// approval answers PKCSReq with PENDING at once; GetCertInitial (CertPoll, messageType 20)
// polls the transaction: PENDING until a person decides, then SUCCESS with the certificate
// (approved) or FAILURE with a failInfo (rejected).

const PENDING = '3';
const SUCCESS = '0';
const FAILURE = '2';
const FAIL_BAD_REQUEST = '2';
const FAIL_BAD_CERT_ID = '4';

describe('SCEP PENDING and GetCertInitial (manual approval)', () => {
  const run = Date.now().toString(36);
  const label = `scep-pending-${run}`;
  const challenge = `pending-${randomBytes(12).toString('hex')}`;
  let raCertDer: Buffer;
  let issuingCaDer: Buffer;

  beforeAll(async () => {
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: `scep-approval-${run}`, requires_approval: true },
    });
    expect(profile.status).toBe(201);
    const created = await api('POST', '/api/v1/enrollment-profiles', {
      body: {
        protocol: 'scep',
        label,
        profile_id: profile.body.id,
        issuer_id: 'iss-local',
        owner_id: 'o-alice',
        team_id: 't-platform',
        renewal_policy_id: 'rp-standard',
        settings: { challenge_password: challenge },
      },
    });
    expect(created.status).toBe(201);
    const certs = await caCertificates(label);
    raCertDer = certs[0]!;
    issuingCaDer = certs[1]!;
  });

  const enroll = async (who: ScepRequester, transactionId: string) =>
    postPkiOperation(
      label,
      await pkiMessage({ messageType: '19', transactionId, content: await scepCsr(who, challenge), who, raCertDer }),
      who,
    );
  const poll = async (who: ScepRequester, transactionId: string) =>
    postPkiOperation(
      label,
      await pkiMessage({ messageType: '20', transactionId, content: issuerAndSubject(issuingCaDer, who), who, raCertDer }),
      who,
    );

  /** The enrollment's job, awaiting approval, found through its certificate (named by its common name). */
  async function awaitingJob(cn: string): Promise<string> {
    const certs = await api('GET', `/api/v1/certificates?q=${encodeURIComponent(cn)}`);
    const cert = (certs.body.data as { id: string; common_name: string }[]).find((c) => c.common_name === cn);
    expect(cert).toBeDefined();
    const jobs = await api('GET', `/api/v1/jobs?certificate_id=${cert!.id}&status=awaiting_approval`);
    expect(jobs.body.data).toHaveLength(1);
    return jobs.body.data[0].id as string;
  }

  it('ok/PKCSReq is PENDING at once; GetCertInitial stays PENDING until approval, then answers SUCCESS with the certificate', async () => {
    const cn = `approved-${run}.scep.example.com`;
    const who = await newRequester(cn);
    const transactionId = `tx-approved-${run}`;
    const started = Date.now();
    const first = await enroll(who, transactionId);
    expect(first).toMatchObject({ httpStatus: 200, pkiStatus: PENDING, transactionId, certificates: [] });
    // Not the CERTCTL_SCEP_WAIT_MS bound (20 s): nothing will change until a person decides.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await poll(who, transactionId)).toMatchObject({ httpStatus: 200, pkiStatus: PENDING, transactionId });

    const jobId = await awaitingJob(cn);
    expect((await api('POST', `/api/v1/jobs/${jobId}/approve`, { body: { reason: 'e2e: device known' } })).status).toBe(200);

    const issued = await poll(who, transactionId);
    expect(issued).toMatchObject({ httpStatus: 200, pkiStatus: SUCCESS, transactionId });
    const leaf = issued.certificates[0]!;
    expect(leaf.subject).toContain(`CN=${cn}`);
    expect(leaf.publicKey.export({ format: 'der', type: 'spki' })).toEqual(
      new X509Certificate(who.certDer).publicKey.export({ format: 'der', type: 'spki' }),
    );
    expect(leaf.verify(new X509Certificate(issuingCaDer).publicKey)).toBe(true);
  });

  it('err/a rejected enrollment: GetCertInitial answers FAILURE with failInfo badRequest', async () => {
    const cn = `rejected-${run}.scep.example.com`;
    const who = await newRequester(cn);
    const transactionId = `tx-rejected-${run}`;
    expect(await enroll(who, transactionId)).toMatchObject({ httpStatus: 200, pkiStatus: PENDING, transactionId });
    const jobId = await awaitingJob(cn);
    expect((await api('POST', `/api/v1/jobs/${jobId}/reject`, { body: { reason: 'e2e: unknown device' } })).status).toBe(200);
    expect(await poll(who, transactionId)).toMatchObject({
      httpStatus: 200,
      pkiStatus: FAILURE,
      failInfo: FAIL_BAD_REQUEST,
      transactionId,
      certificates: [],
    });
  });

  it('err/GetCertInitial for a transaction this signer never started is FAILURE with failInfo badCertId', async () => {
    const who = await newRequester(`stranger-${run}.scep.example.com`);
    expect(await poll(who, `tx-unknown-${run}`)).toMatchObject({ httpStatus: 200, pkiStatus: FAILURE, failInfo: FAIL_BAD_CERT_ID });
  });
});
