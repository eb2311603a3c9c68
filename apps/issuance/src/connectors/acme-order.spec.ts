import * as x509 from '@peculiar/x509';
import type { getLogger } from '@certctl/observability';
import type { AcmeConfig } from './acme-config';
import { newOrder, replacesId } from './acme-order';
import { type Session, ariCertId } from './acme-session';
import type { IssueRequest, IssuerContext } from './connector';

const log = { warn: jest.fn() } as unknown as ReturnType<typeof getLogger>;

async function leafWithAki(): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '0a1b2c3d',
    subject: 'CN=old.example.test',
    issuer: 'CN=Test CA',
    notBefore: new Date(Date.now() - 60000),
    notAfter: new Date(Date.now() + 86400000),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    extensions: [new x509.AuthorityKeyIdentifierExtension('0102030405060708090a0b0c0d0e0f1011121314')],
  });
  return cert.toString('pem');
}

/** A session whose CA answers createOrder from `answer` and records what was sent. */
function fakeSession(
  directory: Record<string, unknown>,
  answer: (order: Record<string, unknown>) => unknown,
): Session & { sent: unknown[] } {
  const sent: unknown[] = [];
  const session = {
    sent,
    trace: {},
    http: { getDirectory: async () => directory, request: jest.fn() },
    client: {
      createOrder: async (order: Record<string, unknown>) => {
        sent.push(order);
        const outcome = answer(order);
        if (outcome instanceof Error) throw outcome;
        return outcome;
      },
    },
  };
  return session as unknown as Session & { sent: unknown[] };
}

const issuer = { id: 'iss-acme', config: {} } as IssuerContext<AcmeConfig>;
const request = (replaces?: IssueRequest['replaces']) => ({ replaces }) as IssueRequest;

describe('ACME renewal orders name their predecessor (RFC 9773 replaces)', () => {
  it('ok/a renewal at the issuer of its predecessor sends the ARI certificate id when the CA offers renewalInfo', async () => {
    const pem = await leafWithAki();
    const session = fakeSession({ renewalInfo: 'https://ca/ari', newOrder: 'https://ca/new' }, () => ({ url: 'order' }));
    expect(await replacesId(session, issuer, request({ certificatePem: pem, issuerId: 'iss-acme' }))).toBe(ariCertId(pem));
  });

  it('ok/no replaces: a first issuance, a predecessor from another issuer, or a CA without renewalInfo', async () => {
    const pem = await leafWithAki();
    const ari = fakeSession({ renewalInfo: 'https://ca/ari' }, () => ({}));
    expect(await replacesId(ari, issuer, request())).toBeUndefined();
    expect(await replacesId(ari, issuer, request({ certificatePem: pem, issuerId: 'iss-local' }))).toBeUndefined();
    const noAri = fakeSession({ newOrder: 'https://ca/new' }, () => ({}));
    expect(await replacesId(noAri, issuer, request({ certificatePem: pem, issuerId: 'iss-acme' }))).toBeUndefined();
  });

  it('ok/newOrder carries replaces; a CA that answers alreadyReplaced gets a plain order instead', async () => {
    const order = { identifiers: [{ type: 'dns' as const, value: 'a.example.test' }] };
    const accepting = fakeSession({}, () => ({ url: 'order-1' }));
    expect(await newOrder(accepting, order, 'AQID.Cgs', log)).toEqual({ url: 'order-1' });
    expect(accepting.sent).toEqual([{ ...order, replaces: 'AQID.Cgs' }]);

    const refusing = fakeSession({}, (sent) => {
      if (!sent.replaces) return { url: 'order-2' };
      refusing.trace.status = 409;
      refusing.trace.body = { type: 'urn:ietf:params:acme:error:alreadyReplaced', detail: 'replaced before' };
      return new Error('alreadyReplaced');
    });
    expect(await newOrder(refusing, order, 'AQID.Cgs', log)).toEqual({ url: 'order-2' });
    expect(refusing.sent).toEqual([{ ...order, replaces: 'AQID.Cgs' }, order]);
  });

  it('fail/any other refusal of the order is the CA answer, not retried without replaces', async () => {
    const order = { identifiers: [{ type: 'dns' as const, value: 'a.example.test' }] };
    const refusing = fakeSession({}, () => {
      refusing.trace.status = 403;
      refusing.trace.body = { type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'no' };
      return new Error('rejected');
    });
    await expect(newOrder(refusing, order, 'AQID.Cgs', log)).rejects.toThrow(/rejectedIdentifier: no/);
    expect(refusing.sent).toHaveLength(1);
  });
});
