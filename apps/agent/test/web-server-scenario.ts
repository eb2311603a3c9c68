// Test-only: the scenario every web server connector passes against its real server
// (apps/agent/src/targets/<type>/<type>.target-spec.ts).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ServerMaterial,
  type TargetServer,
  type TestLeaf,
  createTestCa,
  handshakeFingerprint,
  handshakeLoop,
  unexpectedReloadFailures,
} from '@certctl/testing';
import { runDeployment } from '../src/targets/deploy-flow';
import type { DeployMaterial, TargetConnector, TargetContext } from '../src/targets/target';

export function materialOf(leaf: TestLeaf, version: string): DeployMaterial {
  return { jobId: `job-${version}`, certificateId: 'cert-1', versionId: version, ...leaf };
}

export const serverMaterial = (leaf: TestLeaf): ServerMaterial => ({
  certPem: `${leaf.certificatePem.trim()}\n${leaf.chainPem.trim()}\n`,
  keyPem: leaf.privateKeyPem,
});

export function testContext(): TargetContext & { remove(): void } {
  const stateDir = mkdtempSync(join(tmpdir(), 'certctl-agent-state-'));
  return {
    stateDir,
    log: { info: () => undefined, warn: () => undefined },
    remove: () => rmSync(stateDir, { recursive: true, force: true }),
  };
}

export interface WebServerScenario<C> {
  connector: TargetConnector<C>;
  start(material: ServerMaterial): Promise<TargetServer>;
  /** Paths of the files holding a private key (must be 0600). */
  keyFiles(config: Record<string, unknown>): string[];
  /** What the server's own configuration test prints about breakConfig()'s error (none: no config test). */
  serverError?: RegExp;
  /** The server type for the reload rules of unexpectedReloadFailures (default: the name). */
  serverType?: string;
}

/** Registers the Jest tests of one connector: hitless v1 → v2, then a broken config refusing v3. */
export function describeWebServerTarget<C>(name: string, scenario: WebServerScenario<C>): void {
  describe(`${name} target against the real server`, () => {
    const ca = createTestCa();
    const [v1, v2, v3] = ['v1', 'v2', 'v3'].map((version) => ca.leaf(version));
    const ctx = testContext();
    let server: TargetServer;
    let v2Files: Map<string, string>;

    beforeAll(async () => {
      server = await scenario.start(serverMaterial(v1));
    });
    afterAll(async () => {
      await server?.stop();
      ctx.remove();
      ca.remove();
    });

    it('deploys v2 without a failed handshake and verifies it is served', async () => {
      expect(await handshakeFingerprint(server.port)).toBe(v1.fingerprintSha256);
      const loop = handshakeLoop(server.port);
      const outcome = await runDeployment(scenario.connector, server.targetConfig, materialOf(v2, 'v2'), ctx);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { handshakes, failures } = await loop.stop();

      expect(outcome).toMatchObject({ ok: true, rolledBack: false });
      expect(unexpectedReloadFailures(scenario.serverType ?? name, failures)).toEqual([]);
      expect(handshakes).toBeGreaterThan(0);
      expect(await handshakeFingerprint(server.port)).toBe(v2.fingerprintSha256);
      expect(outcome.verification).toMatchObject({ ok: true, servedFingerprint: v2.fingerprintSha256 });
      const keyFiles = scenario.keyFiles(server.targetConfig);
      expect(outcome.files).toEqual(expect.arrayContaining(keyFiles));
      for (const key of keyFiles) expect(statSync(key).mode & 0o777).toBe(0o600);
      v2Files = new Map(outcome.files.map((file) => [file, readFileSync(file, 'utf8')]));
    });

    if (!scenario.serverError) return;
    const serverError = scenario.serverError;
    it("refuses v3 when the server's own configuration is broken, keeping v2 served and on disk", async () => {
      server.breakConfig();
      const outcome = await runDeployment(scenario.connector, server.targetConfig, materialOf(v3, 'v3'), ctx);

      expect(outcome).toMatchObject({ ok: false, failedStep: 'validate', rolledBack: true });
      expect(outcome.error).toMatch(serverError);
      expect(await handshakeFingerprint(server.port)).toBe(v2.fingerprintSha256);
      for (const [file, content] of v2Files) expect(readFileSync(file, 'utf8')).toBe(content);
    });
  });
}
