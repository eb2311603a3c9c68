import { SecretBox, verifySecret } from '@certctl/pki';
import { settingsInternal, settingsToStore, settingsView } from './enrollment-settings';

const box = new SecretBox({ 1: 'k'.repeat(43) }, 1);
const PEM = '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n';

describe('enrollment profile settings', () => {
  it('EST: the password becomes a scrypt verifier, never stored, shown as ****', async () => {
    const out = await settingsToStore(box, 'enp-1', 'est', { auth: 'basic', password: 'a-long-enrollment-pw' }, null);
    expect(out.problems).toEqual([]);
    expect(JSON.stringify(out.settings)).not.toContain('a-long-enrollment-pw');
    await expect(verifySecret('a-long-enrollment-pw', out.settings.basic_verifier as string)).resolves.toBe(true);
    expect(settingsView('est', out.settings)).toEqual({
      auth: 'basic',
      password: '****',
      allow_server_keygen: false,
      tls_exporter_binding: false,
    });
    expect(settingsInternal(box, 'enp-1', 'est', out.settings).basic_verifier).toBe(out.settings.basic_verifier);
  });

  it('EST: **** keeps the stored password; other keys given replace theirs; **** with nothing stored is a problem', async () => {
    const first = await settingsToStore(box, 'enp-1', 'est', { auth: 'basic', password: 'a-long-enrollment-pw' }, null);
    const kept = await settingsToStore(box, 'enp-1', 'est', { password: '****', allow_server_keygen: true }, first.settings);
    expect(kept.settings).toMatchObject({ basic_verifier: first.settings.basic_verifier, allow_server_keygen: true });
    const none = await settingsToStore(box, 'enp-2', 'est', { auth: 'basic', password: '****' }, null);
    expect(none.problems.map((p) => p.field)).toContain('settings.password');
  });

  it('EST: each auth mode demands what it uses (a password, a trust bundle)', async () => {
    const basic = await settingsToStore(box, 'e', 'est', { auth: 'basic' }, null);
    expect(basic.problems.map((p) => p.field)).toEqual(['settings.password']);
    const cert = await settingsToStore(box, 'e', 'est', { auth: 'client_cert', client_cert_trust_pem: 'nothing' }, null);
    expect(cert.problems.map((p) => p.field)).toEqual(['settings.client_cert_trust_pem']);
    const both = await settingsToStore(
      box,
      'e',
      'est',
      { auth: 'both', password: 'a-long-enrollment-pw', client_cert_trust_pem: PEM },
      null,
    );
    expect(both.problems).toEqual([]);
  });

  it('EST: serverkeygen recipients must be certificates that can receive a key; an empty bundle is no recipient', async () => {
    const base = { auth: 'basic', password: 'a-long-enrollment-pw' };
    const bad = await settingsToStore(box, 'e', 'est', { ...base, serverkeygen_recipients_pem: 'not a certificate' }, null);
    expect(bad.problems).toEqual([{ field: 'settings.serverkeygen_recipients_pem', message: 'holds no PEM CERTIFICATE block' }]);
    const unreadable = await settingsToStore(box, 'e', 'est', { ...base, serverkeygen_recipients_pem: PEM }, null);
    expect(unreadable.problems.map((p) => [p.field, p.message.startsWith('certificate 1 cannot be read')])).toEqual([
      ['settings.serverkeygen_recipients_pem', true],
    ]);
    const empty = await settingsToStore(box, 'e', 'est', { ...base, serverkeygen_recipients_pem: '' }, null);
    expect(empty.problems).toEqual([]);
  });

  it('SCEP: the challenge is sealed (bound to the profile), masked on read and opened for the protocol edge only', async () => {
    const out = await settingsToStore(box, 'enp-s', 'scep', { challenge_password: 'a-static-challenge-1' }, null);
    expect(JSON.stringify(out.settings)).not.toContain('a-static-challenge-1');
    expect(settingsView('scep', out.settings)).toEqual({ challenge_password: '****' });
    expect(settingsInternal(box, 'enp-s', 'scep', out.settings)).toEqual({ challenge_password: 'a-static-challenge-1' });
    expect(() => settingsInternal(box, 'enp-other', 'scep', out.settings)).toThrow();
    const kept = await settingsToStore(box, 'enp-s', 'scep', { challenge_password: '****' }, out.settings);
    expect(kept.settings).toEqual(out.settings);
  });
});
