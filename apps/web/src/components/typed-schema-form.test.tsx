import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { TypedSchemaForm } from './create-panel';
import { type JsonSchema, fieldsOf, typeVariants } from './schema-fields';
import { SchemaForm } from './schema-form';

// The shapes docs/openapi.json gives POST /api/v1/issuers (a oneOf on `type`) and POST /api/v1/notification-channels.
const ISSUER: JsonSchema = {
  oneOf: [
    {
      type: 'object',
      required: ['name', 'type'],
      properties: {
        name: { type: 'string' },
        type: { type: 'string', const: 'local', description: 'The built-in CA' },
        key_algorithm: { type: 'string', enum: ['ECDSA-P256', 'RSA-2048'], default: 'ECDSA-P256' },
        validity_days: { type: 'integer', default: 3650 },
      },
    },
    {
      type: 'object',
      required: ['name', 'type', 'config'],
      properties: {
        name: { type: 'string' },
        type: { type: 'string', enum: ['script', 'acme'], description: 'Connector type' },
        config: { type: 'object', additionalProperties: {}, description: "Validated by the connector's own schema" },
      },
    },
  ],
};
const CHANNEL: JsonSchema = {
  type: 'object',
  required: ['name', 'type'],
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: ['webhook', 'email'] },
    config: { type: 'object', properties: { url: { type: 'string' }, smtp_password: { type: 'string' } } },
    secret: { type: 'string' },
  },
};

describe('typeVariants', () => {
  it('reads each type of a oneOf body (const or enum) with its own branch, and the enum of a plain body', () => {
    const issuer = typeVariants(ISSUER);
    expect(issuer.map((variant) => variant.type)).toEqual(['local', 'script', 'acme']);
    expect(issuer[0].schema).toBe(ISSUER.oneOf![0]);
    expect(issuer[2].schema).toBe(ISSUER.oneOf![1]);
    expect(issuer[0].description).toBe('The built-in CA');
    expect(typeVariants(CHANNEL).map((variant) => [variant.type, variant.schema === CHANNEL])).toEqual([
      ['webhook', true],
      ['email', true],
    ]);
    expect(typeVariants({ type: 'object', properties: { name: { type: 'string' } } })).toEqual([]);
  });

  it('makes credentials (secret, *_password, token, …) password inputs that never show a stored value', () => {
    const fields = fieldsOf(CHANNEL, ['type']);
    expect(fields.find((field) => field.path === 'secret')?.kind).toBe('secret');
    expect(fields.find((field) => field.path === 'config')?.children?.map((child) => [child.path, child.kind])).toEqual([
      ['config.url', 'text'],
      ['config.smtp_password', 'secret'],
    ]);
    render(
      <SchemaForm
        id="channel"
        fields={fields}
        existing={{ name: 'hook', secret: '********' }}
        submitLabel="Save"
        onSubmit={() => undefined}
      />,
    );
    const secret = screen.getByLabelText(/^Secret/) as HTMLInputElement;
    expect({ type: secret.type, value: secret.value }).toEqual({ type: 'password', value: '' });
    expect((screen.getByLabelText(/^Smtp password/) as HTMLInputElement).type).toBe('password');
  });
});

describe('the create form of a typed body', () => {
  it('shows the first type’s fields, switches the fields with the Type list, and sends the type with the body', () => {
    const onSubmit = vi.fn();
    render(<TypedSchemaForm id="issuer" schema={ISSUER} submitLabel="Create issuer" onSubmit={onSubmit} onCancel={() => undefined} />);
    const type = screen.getByLabelText(/^Type/) as HTMLSelectElement;
    expect(document.activeElement).toBe(type);
    expect([...type.options].map((option) => option.value)).toEqual(['local', 'script', 'acme']);
    expect((screen.getByLabelText(/^Key algorithm/) as HTMLSelectElement).value).toBe('ECDSA-P256');
    expect(screen.queryByLabelText(/^Config/)).toBeNull();

    fireEvent.change(type, { target: { value: 'script' } });
    expect(screen.queryByLabelText(/^Key algorithm/)).toBeNull();
    expect(screen.getByText('Connector type')).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'Scripted CA' } });
    fireEvent.change(screen.getByLabelText(/^Config \(JSON\)/), { target: { value: '{"executable": "/opt/ca/issue.sh"}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create issuer' }));
    expect(onSubmit).toHaveBeenCalledWith({ type: 'script', name: 'Scripted CA', config: { executable: '/opt/ca/issue.sh' } });
  });

  it('replaces a type’s free-form config with the fields of the config schema the API publishes for it', () => {
    const onSubmit = vi.fn();
    const script: JsonSchema = {
      type: 'object',
      required: ['executable'],
      properties: {
        executable: { type: 'string' },
        args: { type: 'array', items: { type: 'string' }, default: [] },
        env: { type: 'object', additionalProperties: { type: 'string' }, writeOnly: true },
        timeout_ms: { type: 'integer', default: 30000 },
      },
    };
    render(
      <TypedSchemaForm
        id="issuer"
        schema={ISSUER}
        configSchemas={{ script }}
        submitLabel="Create issuer"
        onSubmit={onSubmit}
        onCancel={() => undefined}
      />,
    );
    fireEvent.change(screen.getByLabelText(/^Type/), { target: { value: 'script' } });
    expect(screen.getByRole('group', { name: 'Config' })).toBeTruthy();
    expect(screen.queryByLabelText(/^Config \(JSON\)/)).toBeNull();
    expect((screen.getByLabelText(/^Executable/) as HTMLInputElement).required).toBe(true);
    expect((screen.getByLabelText(/^Timeout ms/) as HTMLInputElement).value).toBe('30000');
    expect(screen.getByLabelText(/^Env \(JSON\)/).tagName).toBe('TEXTAREA');
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'Scripted CA' } });
    fireEvent.change(screen.getByLabelText(/^Executable/), { target: { value: '/opt/ca/issue.sh' } });
    fireEvent.change(screen.getByLabelText(/^Args/), { target: { value: 'issue, --fast' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create issuer' }));
    expect(onSubmit).toHaveBeenCalledWith({
      type: 'script',
      name: 'Scripted CA',
      config: { executable: '/opt/ca/issue.sh', args: ['issue', '--fast'], timeout_ms: 30000 },
    });
    // A type without a published schema keeps the JSON box.
    fireEvent.change(screen.getByLabelText(/^Type/), { target: { value: 'acme' } });
    expect(screen.getByLabelText(/^Config \(JSON\)/).tagName).toBe('TEXTAREA');
  });

  it('builds a channel’s nested config and secret; Escape on the Type list cancels', () => {
    const onSubmit = vi.fn();
    const onCancel = vi.fn();
    render(<TypedSchemaForm id="channel" schema={CHANNEL} submitLabel="Create channel" onSubmit={onSubmit} onCancel={onCancel} />);
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'ops hook' } });
    fireEvent.change(screen.getByLabelText(/^Url/), { target: { value: 'https://hooks.example.com/x' } });
    fireEvent.change(screen.getByLabelText(/^Secret/), { target: { value: 's3cret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create channel' }));
    expect(onSubmit).toHaveBeenCalledWith({
      type: 'webhook',
      name: 'ops hook',
      config: { url: 'https://hooks.example.com/x' },
      secret: 's3cret',
    });
    fireEvent.keyDown(screen.getByLabelText(/^Type/), { key: 'Escape' });
    expect(onCancel).toHaveBeenCalled();
  });

  it('is one plain generated form when the body has no type', () => {
    const onSubmit = vi.fn();
    render(
      <TypedSchemaForm
        id="team"
        schema={{ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }}
        submitLabel="Create team"
        onSubmit={onSubmit}
        onCancel={() => undefined}
      />,
    );
    expect(screen.queryByLabelText(/^Type/)).toBeNull();
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'platform' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create team' }));
    expect(onSubmit).toHaveBeenCalledWith({ name: 'platform' });
  });
});
