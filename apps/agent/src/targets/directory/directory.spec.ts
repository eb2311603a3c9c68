import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opensslCa } from '@certctl/testing';
import { reportOf } from '../../jobs/deploy-job';
import { runDeployment } from '../deploy-flow';
import { connectorFor } from '../registry';
import { fingerprintOf } from '../tls-probe';
import { directoryConnector } from '.';

function material(dir: string) {
  opensslCa(dir, 'c', null, 'basicConstraints=critical,CA:false', { subject: '/CN=dir.example.com', days: 2 });
  const certificatePem = readFileSync(join(dir, 'c.pem'), 'utf8');
  return {
    jobId: 'job-1',
    certificateId: 'cert-1',
    versionId: '',
    certificatePem,
    chainPem: certificatePem,
    privateKeyPem: readFileSync(join(dir, 'c.key'), 'utf8'),
    fingerprintSha256: fingerprintOf(new X509Certificate(certificatePem).raw),
  };
}
const ctx = (stateDir: string) => ({ log: { info: jest.fn(), warn: jest.fn() }, stateDir });

describe('directory target', () => {
  it('is the registry entry for "directory"; unknown types have none', () => {
    expect(connectorFor('directory')).toBe(directoryConnector);
    expect(connectorFor('telnet')).toBeUndefined();
    expect(connectorFor('constructor')).toBeUndefined();
  });

  it('writes leaf, key (0600), chain and fullchain; verification is null when not asked for', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agent-dir-'));
    const out = join(root, 'tls');
    const stuff = material(root);
    const config = {
      directory: out,
      chain_file: 'chain.pem',
      fullchain_file: 'fullchain.pem',
      validate_command: ['true'],
      reload_command: ['true'],
    };
    const outcome = await runDeployment(directoryConnector, config, stuff, ctx(join(root, 'state')));
    expect(outcome).toMatchObject({ ok: true, rolledBack: false });
    expect(readFileSync(join(out, 'cert.pem'), 'utf8')).toBe(stuff.certificatePem);
    expect(readFileSync(join(out, 'key.pem'), 'utf8')).toBe(stuff.privateKeyPem);
    expect(readFileSync(join(out, 'fullchain.pem'), 'utf8')).toBe(stuff.certificatePem + stuff.certificatePem);
    expect(statSync(join(out, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'cert.pem')).mode & 0o777).toBe(0o644);
    expect(reportOf('tgt-1', outcome)).toEqual({
      status: 'completed',
      result: {
        target_id: 'tgt-1',
        files: ['cert.pem', 'key.pem', 'chain.pem', 'fullchain.pem'].map((name) => join(out, name)),
        verification: null,
        rolled_back: false,
      },
    });
  });

  it('a failing reload command restores the previous files and the job carries its output', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agent-dir-'));
    const out = join(root, 'tls');
    const first = material(root);
    await runDeployment(directoryConnector, { directory: out }, first, ctx(join(root, 'state')));
    const second = material(root);
    const outcome = await runDeployment(
      directoryConnector,
      { directory: out, reload_command: ['sh', '-c', 'echo "reload: bad config line 3" >&2; exit 4'] },
      second,
      ctx(join(root, 'state')),
    );
    const report = reportOf('tgt-1', outcome);
    expect(report).toMatchObject({ status: 'failed', result: { failed_step: 'reload', rolled_back: false } });
    expect(report.error).toContain('reload: bad config line 3');
    // The rollback reload fails too (same command), but the previous files are back on disk.
    expect(readFileSync(join(out, 'cert.pem'), 'utf8')).toBe(first.certificatePem);
    expect(existsSync(join(out, 'cert.pem.certctl-new'))).toBe(false);
  });

  it('an invalid configuration (relative directory, shell string) fails at config', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agent-dir-'));
    const outcome = await runDeployment(
      directoryConnector,
      { directory: 'tls', reload_command: 'systemctl reload nginx' },
      material(root),
      ctx(root),
    );
    expect(reportOf('tgt-1', outcome)).toMatchObject({ status: 'failed', result: { failed_step: 'config', files: [] } });
    expect(outcome.error).toMatch(/directory: must be an absolute path/);
    expect(outcome.error).toMatch(/reload_command/);
  });
});
