import { connect, headers as natsHeaders } from 'nats';
import { PrivateKeyRpc, Rpc } from '@certctl/contracts';
import { PRINCIPAL_HEADER, RpcClient, busEnvFor, parseSigningKey, readBusSecrets, signPrincipal } from '@certctl/messaging';
import { readState } from './e2e-env';
import { api, validCertificate, waitFor } from './http';

/**
 * The running stack's bus: every service is a NATS user allowed only its own subjects, and a
 * request naming an actor is accepted only with a principal signed for it (docs/architecture.md).
 */
describe('bus credentials and signed principals on the running stack', () => {
  const state = readState();
  const secrets = readBusSecrets(state.env.CERTCTL_BUS_CREDENTIALS_FILE!);
  const clients: RpcClient[] = [];
  /** An RPC client holding one service's NATS user (and, when that service has one, its signing key). */
  const as = async (service: string, o: { sign?: boolean } = {}) => {
    const env = busEnvFor(service, secrets);
    const c = new RpcClient({
      servers: state.env.NATS_URL!,
      service,
      timeoutMs: Number(state.env.CERTCTL_NATS_TIMEOUT_MS),
      user: env.NATS_USER,
      password: env.NATS_PASSWORD,
      signingKey: o.sign === false ? undefined : env.CERTCTL_PRINCIPAL_SIGNING_KEY,
    });
    await c.onModuleInit();
    clients.push(c);
    return c;
  };
  let version: { issuer_id: string; serial_number: string };
  let certId: string;

  beforeAll(async () => {
    const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`bus-${Date.now().toString(36)}`) });
    expect(created.status).toBe(201);
    certId = created.body.id;
    const cert = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/certificates/${certId}`);
        return r.body.status === 'active' ? r.body : undefined;
      },
      30000,
      'the certificate to become active',
    );
    version = cert.current_version;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.onApplicationShutdown()));
  });

  const exportRequest = () => ({
    actor: { principal: 'admin', role: 'admin' },
    issuer_id: version.issuer_id,
    serial_number: version.serial_number,
    format: 'pem' as const,
  });

  it('fail/a connection without credentials is refused', async () => {
    await expect(connect({ servers: state.env.NATS_URL!, reconnect: false })).rejects.toThrow(/authorization/i);
  });

  it("fail/notifications' credentials cannot reach the private-key export (its allowed calls still work)", async () => {
    const notifications = await as('notifications');
    // What notifications may call answers...
    await expect(notifications.request(Rpc.inventory.certificateGet, { id: certId })).resolves.toMatchObject({ id: certId });
    // ...the key export is not among it: the server drops the publish, nobody answers.
    const err = await notifications.request(PrivateKeyRpc.export, exportRequest(), { timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'service_unavailable' });
    // Nor may it listen to what others are asked.
    const nc = await connect({
      servers: state.env.NATS_URL!,
      user: secrets.nats.notifications.user,
      pass: secrets.nats.notifications.password,
    });
    const denied = new Promise<string>((resolve) => {
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') resolve(String(s.data));
      })();
    });
    nc.subscribe(PrivateKeyRpc.export.subject);
    await expect(denied).resolves.toMatch(/permissions.violation/i);
    await nc.close();
  });

  it('fail/the gateway user without a signature (a forged actor) is refused: unauthorized', async () => {
    const unsigned = await as('gateway', { sign: false });
    const err = await unsigned.request(PrivateKeyRpc.export, exportRequest()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unauthorized' });
  });

  it('fail/a signature for another request or another actor is refused: forbidden', async () => {
    const gateway = { signer: 'gateway', key: parseSigningKey(secrets.principal.gateway!.signingKey) };
    const nc = await connect({ servers: state.env.NATS_URL!, user: secrets.nats.gateway.user, pass: secrets.nats.gateway.password });
    const send = async (data: unknown, token: string) => {
      const h = natsHeaders();
      h.set(PRINCIPAL_HEADER, token);
      const subject = PrivateKeyRpc.export.subject;
      const msg = await nc.request(subject, JSON.stringify({ pattern: subject, data, id: '1' }), { headers: h, timeout: 5000 });
      const reply = JSON.parse(new TextDecoder().decode(msg.data)) as {
        err?: { code?: string; error?: { code: string } };
        response?: unknown;
      };
      // The wire error, bare or wrapped by the transport as { message, error }.
      return { code: reply.err ? (reply.err.error?.code ?? reply.err.code) : undefined, response: reply.response };
    };
    const req = exportRequest();
    const forOther = await signPrincipal(gateway, PrivateKeyRpc.export.subject, req.actor, { ...req, format: 'der' });
    expect((await send(req, forOther)).code).toBe('forbidden');
    const mallory = { ...req, actor: { principal: 'mallory', role: 'admin' } };
    const adminToken = await signPrincipal(gateway, PrivateKeyRpc.export.subject, req.actor, mallory);
    expect((await send(mallory, adminToken)).code).toBe('forbidden');
    // A correctly signed viewer is refused by issuance itself (the role check behind the gateway's).
    const viewer = { ...req, actor: { principal: 'bob', role: 'viewer' } };
    const viewerToken = await signPrincipal(gateway, PrivateKeyRpc.export.subject, viewer.actor, viewer);
    expect((await send(viewer, viewerToken)).code).toBe('forbidden');
    const approve = await signPrincipal(gateway, Rpc.inventory.jobApprove.subject, req.actor, req);
    expect((await send(req, approve)).code).toBe('forbidden');
    // The same request with its own signature is answered: the refusals above are the signature's.
    const good = await signPrincipal(gateway, PrivateKeyRpc.export.subject, req.actor, req);
    expect((await send(req, good)).response).toMatchObject({ format: 'pem', encrypted: false });
    await nc.close();
  });

  it('ok/through the gateway the download works: it signs the API key principal, issuance verifies it', async () => {
    const res = await fetch(`http://127.0.0.1:${state.ports.gateway}/api/v1/certificates/${certId}/private-key?format=pem`, {
      headers: { authorization: `Bearer ${state.adminKey}` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('fail/refusals are counted on the receiving service', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${state.ports.issuance}/metrics`)).text();
    for (const code of ['unauthorized', 'forbidden']) {
      const line = metrics.split('\n').find((l) => l.startsWith('certctl_nats_principal_refusals_total{') && l.includes(`code="${code}"`));
      expect(line).toContain('subject="certctl.v1.issuance.private-key.export"');
      expect(Number(line!.split(' ').pop())).toBeGreaterThan(0);
    }
  });
});
