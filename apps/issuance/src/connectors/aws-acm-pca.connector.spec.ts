import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { generateKeyPair } from '@certctl/pki';
import { type AwsAcmPcaConfig, awsAcmPcaConfigSchema } from './aws-acm-pca-config';
import { idempotencyToken } from './aws-acm-pca-support';
import { AwsAcmPcaConnector } from './aws-acm-pca.connector';
import { ConnectorError, type IssueRequest, type IssuerContext } from './connector';

const ARN = 'arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0b6f2a8e-1111-2222-3333-444455556666';

/** An SDK error as AWS answers it. */
function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from AWS`), { name, $metadata: { httpStatusCode: status } });
}

/** The SDK's `send`, answering each command by its class name from `answers` (a function may throw). */
function fakeAws(answers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const sent: { command: string; input: Record<string, unknown> }[] = [];
  jest.spyOn(ACMPCAClient.prototype, 'send').mockImplementation((async (command: {
    constructor: { name: string };
    input: Record<string, unknown>;
  }) => {
    const name = command.constructor.name.replace(/Command$/, '');
    sent.push({ command: name, input: command.input });
    const answer = answers[name];
    if (!answer) throw new Error(`unexpected ${name}`);
    return answer(command.input);
  }) as never);
  return sent;
}

function issuer(extra: Partial<AwsAcmPcaConfig> = {}): IssuerContext<AwsAcmPcaConfig> {
  const config = awsAcmPcaConfigSchema.parse({ region: 'eu-west-1', certificate_authority_arn: ARN, issue_timeout_ms: 1000, ...extra });
  return { id: 'iss-pca', name: 'pca', type: 'aws-acm-pca', config };
}

async function request(): Promise<IssueRequest> {
  const key = await generateKeyPair('ECDSA-P256');
  return {
    jobId: 'job-42',
    csrPem: async () => '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n',
    publicKey: key.publicKey,
    commonName: 'svc.example.test',
    sans: ['svc.example.test'],
    validityDays: 30,
    ekus: ['serverAuth'],
    profileId: null,
  };
}

describe('AwsAcmPcaConnector (the SDK faked: what moto does not emulate)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('ok/IssueCertificate carries the CA signing algorithm, validity, template and job token; GetCertificate is polled past RequestInProgress', async () => {
    let polls = 0;
    const sent = fakeAws({
      DescribeCertificateAuthority: () => ({
        CertificateAuthority: { CertificateAuthorityConfiguration: { SigningAlgorithm: 'SHA384WITHECDSA' } },
      }),
      IssueCertificate: () => ({ CertificateArn: `${ARN}/certificate/abc` }),
      GetCertificate: () => {
        polls += 1;
        if (polls < 3) throw awsError('RequestInProgressException', 400);
        throw awsError('ValidationException', 400); // the answer after the wait: proves polling stopped on a terminal error
      },
    });
    const failure = await new AwsAcmPcaConnector().issue(issuer(), await request()).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect((failure as ConnectorError).retryable).toBe(false);
    expect((failure as ConnectorError).message).toContain('GetCertificate failed: ValidationException');
    expect(polls).toBe(3);
    const issue = sent.find((s) => s.command === 'IssueCertificate')!.input;
    expect(issue).toMatchObject({
      CertificateAuthorityArn: ARN,
      SigningAlgorithm: 'SHA384WITHECDSA',
      TemplateArn: 'arn:aws:acm-pca:::template/EndEntityCertificate/V1',
      Validity: { Type: 'DAYS', Value: 30 },
      IdempotencyToken: idempotencyToken('job-42'),
    });
  });

  it('err/a certificate still in progress after issue_timeout_ms is a retryable failure; a configured signing algorithm skips DescribeCertificateAuthority', async () => {
    const sent = fakeAws({
      IssueCertificate: () => ({ CertificateArn: `${ARN}/certificate/slow` }),
      GetCertificate: () => {
        throw awsError('RequestInProgressException', 400);
      },
    });
    const failure = await new AwsAcmPcaConnector()
      .issue(issuer({ signing_algorithm: 'SHA256WITHECDSA' }), await request())
      .catch((err: unknown) => err as ConnectorError);
    expect(failure).toMatchObject({ retryable: true, message: expect.stringContaining('had not issued') });
    expect(sent.map((s) => s.command)).not.toContain('DescribeCertificateAuthority');
    expect(sent.filter((s) => s.command === 'GetCertificate').length).toBeGreaterThan(2);
  });

  it('ok/throttling on IssueCertificate is retryable; revoke sends the colon serial and AWS reason', async () => {
    fakeAws({
      DescribeCertificateAuthority: () => ({
        CertificateAuthority: { CertificateAuthorityConfiguration: { SigningAlgorithm: 'SHA256WITHRSA' } },
      }),
      IssueCertificate: () => {
        throw awsError('ThrottlingException', 400);
      },
    });
    await expect(new AwsAcmPcaConnector().issue(issuer(), await request())).rejects.toMatchObject({ retryable: true });
    jest.restoreAllMocks();
    const sent = fakeAws({ RevokeCertificate: () => ({}) });
    await new AwsAcmPcaConnector().revoke(issuer(), { serialNumber: '0a1b2c', reason: 'superseded' });
    expect(sent[0]!.input).toMatchObject({ CertificateSerial: '0A:1B:2C', RevocationReason: 'SUPERSEDED' });
  });

  it('ok/the health check is ok only for an ACTIVE CA and never throws', async () => {
    fakeAws({ DescribeCertificateAuthority: () => ({ CertificateAuthority: { Status: 'DISABLED', Type: 'SUBORDINATE' } }) });
    await expect(new AwsAcmPcaConnector().healthCheck(issuer())).resolves.toEqual({
      ok: false,
      detail: `SUBORDINATE CA ${ARN} is DISABLED, not ACTIVE`,
    });
    jest.restoreAllMocks();
    fakeAws({ DescribeCertificateAuthority: () => Promise.reject(awsError('AccessDeniedException', 400)) });
    const denied = await new AwsAcmPcaConnector().healthCheck(issuer());
    expect(denied).toMatchObject({ ok: false, detail: expect.stringContaining('AccessDeniedException') });
  });
});
