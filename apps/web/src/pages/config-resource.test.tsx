import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderSignedIn } from '../testing/render';
import { ConfigResourcePage } from './config-resource';
import { CONFIG_RESOURCES } from './config-resources';

// The real route schemas (POST/PATCH /api/v1/targets) and the shape GET /api/v1/target-types answers.
const OPENAPI = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../../docs/openapi.json'), 'utf8')) as unknown;
const TARGET_TYPES = {
  data: [
    {
      type: 'nginx',
      free_form: false,
      secret_fields: [],
      config_schema: {
        type: 'object',
        required: ['cert_path', 'key_path', 'verify'],
        properties: {
          cert_path: { type: 'string', minLength: 1 },
          key_path: { type: 'string', minLength: 1 },
          chain_in_cert: { type: 'boolean', default: true },
          reload_command: { type: 'array', items: { type: 'string' } },
          verify: {
            type: 'object',
            required: ['port'],
            properties: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'integer', minimum: 1, maximum: 65535 } },
          },
        },
      },
    },
    {
      type: 'keystore',
      free_form: false,
      secret_fields: ['password_env'],
      config_schema: {
        type: 'object',
        required: ['path', 'password_env'],
        properties: { path: { type: 'string' }, password_env: { type: 'string', writeOnly: true } },
      },
    },
    { type: 'f5', free_form: true, secret_fields: [], config_schema: { type: 'object', additionalProperties: {} } },
  ],
};
const KEYSTORE_ROW = {
  id: 'tgt-store',
  name: 'app-store',
  type: 'keystore',
  agent_id: null,
  enabled: true,
  config: { path: '/srv/app/store.p12', password_env: 'AP****' },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

function serve(onWrite: (method: string, body: Record<string, unknown>) => { status?: number; body: unknown }) {
  return mockFetch((url, init) => {
    if (url.pathname === '/api/openapi.json') return { body: OPENAPI };
    if (url.pathname === '/api/v1/target-types') return { body: TARGET_TYPES };
    if (url.pathname === '/api/v1/targets' && (init.method ?? 'GET') === 'GET')
      return { body: { data: [KEYSTORE_ROW], next_cursor: null } };
    if (url.pathname.startsWith('/api/v1/targets'))
      return onWrite(String(init.method), JSON.parse(String(init.body)) as Record<string, unknown>);
    return undefined;
  });
}

describe('the deployment target forms', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows the chosen type's config fields, sends them nested under config, and puts a refused field's message under it", async () => {
    const sent: Record<string, unknown>[] = [];
    serve((_method, body) => {
      sent.push(body);
      return {
        status: 422,
        body: { title: 'Validation failed', status: 422, errors: [{ field: 'config.cert_path', message: 'must be an absolute path' }] },
      };
    });
    renderSignedIn(<ConfigResourcePage resource={CONFIG_RESOURCES['/targets']} />, 'admin');
    fireEvent.click(await screen.findByRole('button', { name: 'New target' }));
    const type = await screen.findByLabelText(/^Type/);
    fireEvent.change(type, { target: { value: 'nginx' } });
    await screen.findByLabelText(/^Cert path/);
    expect(screen.queryByLabelText(/^Config \(JSON\)/)).toBeNull();
    expect((screen.getByLabelText(/^Host/) as HTMLInputElement).value).toBe('127.0.0.1');
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'edge' } });
    fireEvent.change(screen.getByLabelText(/^Cert path/), { target: { value: 'site.pem' } });
    fireEvent.change(screen.getByLabelText(/^Key path/), { target: { value: '/etc/nginx/site.key' } });
    fireEvent.change(screen.getByLabelText(/^Port/), { target: { value: '443' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create target' }));
    const refused = await screen.findByText('must be an absolute path');
    expect(refused.closest('[data-field]')?.getAttribute('data-field')).toBe('config.cert_path');
    expect(sent[0]).toMatchObject({
      type: 'nginx',
      name: 'edge',
      config: { cert_path: 'site.pem', key_path: '/etc/nginx/site.key', chain_in_cert: true, verify: { host: '127.0.0.1', port: 443 } },
    });

    // A type no agent deploys to yet keeps the JSON box.
    fireEvent.change(screen.getByLabelText(/^Type/), { target: { value: 'f5' } });
    expect(screen.getByLabelText(/^Config \(JSON\)/).tagName).toBe('TEXTAREA');
    expect(screen.queryByLabelText(/^Cert path/)).toBeNull();
  });

  it("edits a target with its type's fields: a secret is a password input, left empty it is sent back masked", async () => {
    const sent: { method: string; body: Record<string, unknown> }[] = [];
    serve((method, body) => {
      sent.push({ method, body });
      return { body: KEYSTORE_ROW };
    });
    renderSignedIn(<ConfigResourcePage resource={CONFIG_RESOURCES['/targets']} />, 'admin');
    fireEvent.click(await screen.findByRole('button', { name: 'Edit app-store' }));
    const form = await screen.findByRole('form', { name: 'Save changes' });
    const secret = (await within(form).findByLabelText(/^Password env/)) as HTMLInputElement;
    expect({ type: secret.type, value: secret.value }).toEqual({ type: 'password', value: '' });
    expect((within(form).getByLabelText(/^Path/) as HTMLInputElement).value).toBe('/srv/app/store.p12');
    fireEvent.change(within(form).getByLabelText(/^Path/), { target: { value: '/srv/app/new.p12' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ method: 'PATCH', body: { config: { path: '/srv/app/new.p12', password_env: 'AP****' } } });
  });
});
