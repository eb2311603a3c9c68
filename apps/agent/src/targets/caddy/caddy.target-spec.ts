import { type TargetServer, createTestCa, handshakeFingerprint, startCaddy } from '@certctl/testing';
import { runDeployment } from '../deploy-flow';
import { describeWebServerTarget, materialOf, serverMaterial, testContext } from '../../../test/web-server-scenario';
import { caddyConnector } from './index';

describeWebServerTarget('caddy (file mode)', {
  connector: caddyConnector,
  start: (material) => startCaddy(material, 'file'),
  serverType: 'caddy',
  keyFiles: (config) => [String(config.key_path)],
  serverError: /unrecognized directive: certctl_broken_directive/,
});

describeWebServerTarget('caddy (admin_api mode)', {
  connector: caddyConnector,
  start: (material) => startCaddy(material, 'admin_api'),
  serverType: 'caddy',
  keyFiles: () => [],
});

describe('caddy (admin_api mode) rollback', () => {
  const ca = createTestCa();
  const [v1, v2] = ['v1', 'v2'].map((version) => ca.leaf(version));
  const ctx = testContext();
  let server: TargetServer;

  beforeAll(async () => {
    server = await startCaddy(serverMaterial(v1), 'admin_api');
  });
  afterAll(async () => {
    await server?.stop();
    ctx.remove();
    ca.remove();
  });

  it('loads the config read before the deployment again when the served leaf is not the expected one', async () => {
    // v2's files with v1's fingerprint: Caddy serves v2, so the verification must fail.
    const mismatched = { ...materialOf(v2, 'v2'), fingerprintSha256: v1.fingerprintSha256.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    const config = { ...server.targetConfig, verify: { ...(server.targetConfig.verify as object), timeout_ms: 500 } };
    const outcome = await runDeployment(caddyConnector, config, mismatched, ctx);

    expect(outcome).toMatchObject({ ok: false, failedStep: 'verify', rolledBack: true });
    expect(outcome.verification).toMatchObject({ ok: false, servedFingerprint: v2.fingerprintSha256 });
    expect(await handshakeFingerprint(server.port)).toBe(v1.fingerprintSha256);
  });
});
