import { join } from 'node:path';
import { ROOT, adminKeyFile, dataDir } from './paths';

describe('local data folder', () => {
  it('ok/defaults to <repo root>/.local, wherever the process runs', () => {
    expect(dataDir({})).toBe(join(ROOT, '.local'));
    expect(adminKeyFile({})).toBe(join(ROOT, '.local', 'admin-api-key'));
  });

  it('ok/follows CERTCTL_DATA_DIR (a relative one from the repo root, as tools/infra/env.sh does)', () => {
    expect(dataDir({ CERTCTL_DATA_DIR: '/srv/certctl' })).toBe('/srv/certctl');
    expect(dataDir({ CERTCTL_DATA_DIR: 'other-data' })).toBe(join(ROOT, 'other-data'));
    expect(adminKeyFile({ CERTCTL_DATA_DIR: '/srv/certctl' })).toBe('/srv/certctl/admin-api-key');
  });

  it('ok/an empty CERTCTL_DATA_DIR is unset', () => {
    expect(dataDir({ CERTCTL_DATA_DIR: '' })).toBe(join(ROOT, '.local'));
  });

  it('ok/CERTCTL_ADMIN_KEY_FILE names the key file itself', () => {
    expect(adminKeyFile({ CERTCTL_DATA_DIR: '/srv/certctl', CERTCTL_ADMIN_KEY_FILE: '/run/secrets/admin-key' })).toBe(
      '/run/secrets/admin-key',
    );
  });
});
