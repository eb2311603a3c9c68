import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { type JsonSchema, fieldsOf, toBody } from './schema-fields';
import { SchemaForm } from './schema-form';

// The shape docs/openapi.json gives POST /api/v1/renewal-policies and a nested object like a profile's san_rules.
const SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    id: { type: 'string', description: 'Chosen id (default: generated)' },
    name: { type: 'string' },
    renew_before_days: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }], description: 'Renew this many days before expiry' },
    auto_renew: { type: 'boolean', default: true },
    key_generation: { type: 'string', enum: ['agent', 'server'], default: 'server' },
    ekus: { type: 'array', items: { type: 'string', enum: ['serverAuth', 'clientAuth'] }, default: ['serverAuth'] },
    alert_thresholds_days: { type: 'array', items: { type: 'integer' }, default: [30, 7] },
    san_rules: { type: 'object', properties: { max_sans: { type: 'integer', default: 100 } } },
    config: { type: 'object', additionalProperties: {} },
  },
};

describe('the form generated from a body schema', () => {
  it('renders one labelled input per property, groups nested objects, and fills in the defaults', () => {
    render(<SchemaForm id="policy" fields={fieldsOf(SCHEMA, ['id'])} submitLabel="Create" onSubmit={() => undefined} />);
    expect(screen.queryByLabelText(/^Id/)).toBeNull();
    expect((screen.getByLabelText(/^Name/) as HTMLInputElement).required).toBe(true);
    expect((screen.getByLabelText(/^Renew before days/) as HTMLInputElement).type).toBe('number');
    expect((screen.getByLabelText('Auto renew') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText(/^Key generation/) as HTMLSelectElement).value).toBe('server');
    expect((screen.getByLabelText('serverAuth') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText(/^Alert thresholds days/) as HTMLInputElement).value).toBe('30, 7');
    expect(screen.getByRole('group', { name: 'San rules' })).toBeTruthy();
    expect((screen.getByLabelText(/^Max sans/) as HTMLInputElement).value).toBe('100');
    expect(screen.getByLabelText(/^Config \(JSON\)/).tagName).toBe('TEXTAREA');
    expect(screen.getByLabelText(/^Renew before days/).getAttribute('aria-describedby')).toBe('policy-renew_before_days-help');
  });

  it('submits the typed body: numbers, lists, nested objects, empty optional fields left out', () => {
    const onSubmit = vi.fn();
    render(<SchemaForm id="policy" fields={fieldsOf(SCHEMA, ['id'])} submitLabel="Create" onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText(/^Name/), { target: { value: 'weekly' } });
    fireEvent.change(screen.getByLabelText(/^Alert thresholds days/), { target: { value: '14, 3,1' } });
    fireEvent.click(screen.getByLabelText('clientAuth'));
    fireEvent.change(screen.getByLabelText(/^Config \(JSON\)/), { target: { value: '{"path": "/etc/x"}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(onSubmit).toHaveBeenCalledWith({
      name: 'weekly',
      renew_before_days: null,
      auto_renew: true,
      key_generation: 'server',
      ekus: ['serverAuth', 'clientAuth'],
      alert_thresholds_days: [14, 3, 1],
      san_rules: { max_sans: 100 },
      config: { path: '/etc/x' },
    });
  });

  it('shows the API problem’s field errors next to the fields they name, and the rest above the form', () => {
    const error = new ApiError(422, 'Validation failed', 'the body is invalid', 'urn:certctl:error:validation', [
      { field: 'name', message: 'must not be empty' },
      { field: 'san_rules.max_sans', message: 'must be at most 1000' },
      { field: 'somewhere_else', message: 'is not a known field' },
    ]);
    render(<SchemaForm id="policy" fields={fieldsOf(SCHEMA, ['id'])} submitLabel="Create" error={error} onSubmit={() => undefined} />);
    const name = screen.getByLabelText(/^Name/);
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(name.getAttribute('aria-describedby')!)!.textContent).toBe('must not be empty');
    const maxSans = screen.getByLabelText(/^Max sans/);
    expect(maxSans.closest('[data-field]')!.textContent).toContain('must be at most 1000');
    expect(screen.getByRole('list', { name: 'Other errors' }).textContent).toContain('somewhere_else: is not a known field');
    expect(screen.getByLabelText(/^Auto renew/).getAttribute('aria-invalid')).toBeNull();
  });

  it('refuses text that cannot become the field’s type before calling the API, naming the field', () => {
    const onSubmit = vi.fn();
    render(<SchemaForm id="policy" fields={fieldsOf(SCHEMA, ['id'])} submitLabel="Create" onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText(/^Config \(JSON\)/), { target: { value: '{not json' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByLabelText(/^Config \(JSON\)/).closest('[data-field]')!.textContent).toContain('must be valid JSON');
  });

  it('fills an edit form from the record and sends null for a cleared nullable field', () => {
    const fields = fieldsOf(SCHEMA, ['id']);
    const onSubmit = vi.fn();
    const existing = { name: 'p', renew_before_days: 20, auto_renew: false, ekus: ['clientAuth'], san_rules: { max_sans: 5 } };
    render(<SchemaForm id="edit" fields={fields} existing={existing} submitLabel="Save" onSubmit={onSubmit} />);
    expect((screen.getByLabelText(/^Renew before days/) as HTMLInputElement).value).toBe('20');
    expect((screen.getByLabelText('Auto renew') as HTMLInputElement).checked).toBe(false);
    fireEvent.change(screen.getByLabelText(/^Renew before days/), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(onSubmit.mock.calls[0][0]).toMatchObject({ renew_before_days: null, san_rules: { max_sans: 5 }, ekus: ['clientAuth'] });
    expect(() => toBody(fields, { alert_thresholds_days: '1, x' })).toThrow(/alert_thresholds_days: must be numbers/);
  });

  it('puts the keyboard in the first field when it opens and cancels on Escape', () => {
    const onCancel = vi.fn();
    render(<SchemaForm id="team" fields={fieldsOf(SCHEMA, ['id'])} submitLabel="Create" onSubmit={() => undefined} onCancel={onCancel} />);
    expect(document.activeElement).toBe(screen.getByLabelText(/^Name/));
    fireEvent.keyDown(screen.getByLabelText(/^Name/), { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});
