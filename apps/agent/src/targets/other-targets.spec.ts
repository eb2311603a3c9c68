import { unitDeployMaterial, unitTargetContext } from '@certctl/testing';
import { runDeployment } from './deploy-flow';
import { otherConnectors } from './other-targets';
import { listedNames } from './ssh/remote';

const material = unitDeployMaterial;
const ctx = unitTargetContext;
const connector = (type: string) => otherConnectors.find((candidate) => candidate.type === type)!;

describe('mail, keystore and SSH target configurations', () => {
  it('registers postfix, dovecot, keystore and ssh', () => {
    expect(otherConnectors.map((candidate) => candidate.type)).toEqual(['postfix', 'dovecot', 'keystore', 'ssh']);
  });

  it.each([
    [
      'postfix',
      { cert_path: 'smtpd.pem', key_path: '/etc/ssl/k.pem', verify: { host: 'mx', port: 25 } },
      'cert_path: must be an absolute path',
    ],
    ['postfix', { cert_path: '/a.pem', key_path: '/k.pem', verify: { host: 'mx', port: 25, starttls: 'imap' } }, 'verify.starttls'],
    ['dovecot', { cert_path: '/a.pem', key_path: '/k.pem' }, 'verify: '],
    ['keystore', { path: '/s.p12', format: 'pkcs12', password_env: 'has space' }, 'password_env: an environment variable name'],
    ['keystore', { path: '/s.p12', format: 'pem', password_env: 'PW' }, 'format: '],
    ['ssh', { host: 'h', user: 'u', identity_file: '/id', remote_dir: '/etc/tls', reload_command: 'true' }, 'known_hosts_file: '],
    [
      'ssh',
      { host: 'h', user: 'u', identity_file: '/id', known_hosts_file: '/kh', remote_dir: '/etc/my tls', reload_command: 'true' },
      'remote_dir: an absolute path of letters',
    ],
  ])('%s refuses a bad configuration naming the field (%#)', async (type, config, message) => {
    const outcome = await runDeployment(connector(type), config, material, ctx);

    expect(outcome).toMatchObject({ ok: false, failedStep: 'config', rolledBack: false, files: [] });
    expect(outcome.error).toContain(`invalid ${type} target configuration`);
    expect(outcome.error).toContain(message);
  });

  it('fills the defaults an operator may leave out', () => {
    const parsed = connector('ssh').configSchema.parse({
      host: 'web1.example.com',
      user: 'deploy',
      identity_file: '/etc/certctl/id_ed25519',
      known_hosts_file: '/etc/certctl/known_hosts',
      remote_dir: '/etc/nginx/tls',
      reload_command: 'sudo systemctl reload nginx',
    });
    expect(parsed).toMatchObject({ port: 22, cert_file: 'cert.pem', key_file: 'key.pem', ssh_binary: 'ssh', sftp_binary: 'sftp' });
  });
});

describe('listedNames (sftp batch output)', () => {
  it('reads the names printed by `ls -1 <dir>` until the next command', () => {
    const output = [
      'sftp> -mkdir /srv/tls',
      'sftp> ls -1 /srv/tls',
      '/srv/tls/cert.pem',
      '/srv/tls/key.pem.certctl-prev',
      'sftp> put /tmp/0 x',
    ].join('\n');

    expect([...listedNames(output, '/srv/tls')]).toEqual(['cert.pem', 'key.pem.certctl-prev']);
  });

  it('is empty for an empty directory or a batch without the listing', () => {
    expect(listedNames('sftp> ls -1 /srv/tls\nsftp> put a b\n', '/srv/tls').size).toBe(0);
    expect(listedNames('sftp> put a b\n/srv/tls/cert.pem\n', '/srv/tls').size).toBe(0);
  });
});
