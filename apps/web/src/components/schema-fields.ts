import type { FieldError } from '../api/client';

/** The part of JSON Schema (as docs/openapi.json writes request bodies) that the generic form reads. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  const?: unknown;
  writeOnly?: boolean;
  default?: unknown;
  description?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  additionalProperties?: unknown;
}

export type FieldKind = 'text' | 'secret' | 'integer' | 'number' | 'boolean' | 'select' | 'choices' | 'list' | 'json' | 'group';

/** One input of the generic form, found from the schema; `path` is the API's field name (`san_rules.max_sans`). */
export interface FormField {
  path: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  nullable: boolean;
  description?: string;
  options?: string[];
  /** For `list`: what each comma-separated item is. */
  itemType?: 'string' | 'integer' | 'number';
  children?: FormField[];
  defaultValue?: unknown;
}

/** A form's state: one entry per leaf field path; text inputs hold strings, checkboxes booleans, choices string arrays. */
export type FormValues = Record<string, string | boolean | string[]>;

const humanise = (name: string) => (name.charAt(0).toUpperCase() + name.slice(1)).replace(/_/g, ' ');

/** A property's schema without its `null` alternative, and whether it had one. */
function unwrapNullable(schema: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  if (!schema.anyOf) return { schema, nullable: false };
  const rest = schema.anyOf.filter((option) => option.type !== 'null');
  const nullable = rest.length < schema.anyOf.length;
  if (rest.length === 1) return { schema: { ...rest[0], description: schema.description, default: schema.default }, nullable };
  return { schema: { description: schema.description, default: schema.default }, nullable };
}

/** Names of the properties whose value is a credential: typed into a password input, never shown. */
const SECRET_NAME = /(^|_)(secret|password|passphrase|token|hmac_key|private_key|api_key)$/;

function kindOf(schema: JsonSchema, name: string): Pick<FormField, 'kind' | 'options' | 'itemType'> {
  if (schema.enum) return { kind: 'select', options: schema.enum.map(String) };
  if (schema.type === 'boolean') return { kind: 'boolean' };
  if (schema.type === 'integer') return { kind: 'integer' };
  if (schema.type === 'number') return { kind: 'number' };
  if (schema.type === 'string') {
    return { kind: schema.writeOnly || schema.format === 'password' || SECRET_NAME.test(name) ? 'secret' : 'text' };
  }
  if (schema.type === 'array' && schema.items?.enum) return { kind: 'choices', options: schema.items.enum.map(String) };
  if (schema.type === 'array' && ['string', 'integer', 'number'].includes(schema.items?.type ?? '')) {
    return { kind: 'list', itemType: schema.items!.type as FormField['itemType'] };
  }
  if (schema.type === 'object' && schema.properties && Object.keys(schema.properties).length > 0) return { kind: 'group' };
  return { kind: 'json' };
}

/** The form fields of an object schema, in the schema's order; `skip` leaves out top-level names (e.g. `id`). */
export function fieldsOf(schema: JsonSchema, skip: string[] = [], prefix = ''): FormField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {})
    .filter(([name]) => !(prefix === '' && skip.includes(name)))
    .map(([name, raw]) => {
      const { schema: property, nullable } = unwrapNullable(raw);
      const path = prefix ? `${prefix}.${name}` : name;
      const kind = kindOf(property, name);
      return {
        path,
        label: humanise(name),
        required: required.has(name),
        nullable,
        description: property.description,
        defaultValue: property.default,
        ...kind,
        ...(kind.kind === 'group' ? { children: fieldsOf(property, [], path) } : {}),
      };
    });
}

/** One value of a body's `type` and the (`oneOf` branch of the) schema that applies to it. */
export interface TypeVariant {
  type: string;
  description?: string;
  schema: JsonSchema;
}

/**
 * The types a body schema accepts, each with its own schema: the branches of a `oneOf` (issuers:
 * `local` or a connector type) or the one schema (notification channels), read from the `type`
 * property's `const` or `enum`. Empty when the body has no `type`.
 */
export function typeVariants(schema: JsonSchema): TypeVariant[] {
  return (schema.oneOf ?? [schema]).flatMap((branch) => {
    const discriminator = branch.properties?.type;
    if (!discriminator) return [];
    const values = discriminator.const !== undefined ? [discriminator.const] : (discriminator.enum ?? []);
    return values.map((value) => ({ type: String(value), description: discriminator.description, schema: branch }));
  });
}

function valueAt(source: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), source);
}

/** Sets `path` (dotted) inside `target`, creating the objects on the way. */
function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
}

function toInput(field: FormField, value: unknown): string | boolean | string[] {
  if (field.kind === 'boolean') return value === true;
  if (field.kind === 'choices') return Array.isArray(value) ? value.map(String) : [];
  // A secret is never shown again (the API answers it masked): empty leaves it unchanged on edit.
  if (field.kind === 'secret') return '';
  if (value === undefined || value === null) return '';
  if (field.kind === 'list') return Array.isArray(value) ? value.join(', ') : '';
  if (field.kind === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}

/** Every leaf field, groups flattened. */
export function leaves(fields: FormField[]): FormField[] {
  return fields.flatMap((field) => (field.children ? leaves(field.children) : [field]));
}

/** The form's starting values: the existing record's (editing) or the schema's defaults (creating). */
export function initialValues(fields: FormField[], existing?: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const field of leaves(fields)) {
    values[field.path] = toInput(field, existing ? valueAt(existing, field.path) : field.defaultValue);
  }
  return values;
}

/** Thrown when an input cannot become its field's type; carries the field like the API's errors[]. */
export class FormInputError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => `${error.field}: ${error.message}`).join('; '));
  }
}

function fromInput(field: FormField, input: string | boolean | string[]): { value?: unknown; error?: string } {
  if (field.kind === 'boolean' || field.kind === 'choices') return { value: input };
  const text = String(input).trim();
  if (text === '') return { value: field.nullable ? null : undefined };
  if (field.kind === 'integer' || field.kind === 'number') {
    const number = Number(text);
    return Number.isFinite(number) ? { value: number } : { error: 'must be a number' };
  }
  if (field.kind === 'list') {
    const items = text
      .split(/[,\n]/)
      .map((item) => item.trim())
      .filter(Boolean);
    if (field.itemType === 'string') return { value: items };
    const numbers = items.map(Number);
    return numbers.every(Number.isFinite) ? { value: numbers } : { error: 'must be numbers separated by commas' };
  }
  if (field.kind === 'json') {
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { error: 'must be valid JSON' };
    }
  }
  return { value: text };
}

/**
 * The request body for the values: nested by path, numbers and lists converted, empty optional
 * inputs left out (or null when the field may be null). Throws FormInputError naming the fields
 * whose text cannot be converted; everything else is for the API to judge.
 */
export function toBody(fields: FormField[], values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const field of leaves(fields)) {
    const { value, error } = fromInput(field, values[field.path] ?? '');
    if (error) errors.push({ field: field.path, message: error });
    if (value !== undefined) setAt(body, field.path, value);
  }
  if (errors.length) throw new FormInputError(errors);
  return body;
}

/**
 * An edited body whose secret inputs were left empty, given back the masked values the record was
 * answered with: where the API replaces a whole object (a target's `config`), the mask sent back
 * keeps the stored secret, while leaving the key out would drop it.
 */
export function withMaskedSecrets(fields: FormField[], body: Record<string, unknown>, existing: Record<string, unknown>) {
  const out = structuredClone(body);
  for (const field of leaves(fields)) {
    const masked = valueAt(existing, field.path);
    if (field.kind === 'secret' && typeof masked === 'string' && valueAt(out, field.path) === undefined) setAt(out, field.path, masked);
  }
  return out;
}

/** The errors that belong to a field: its own path, or below it (`allowed_key_algorithms.0.min_size`). */
export function errorsFor(path: string, errors: FieldError[]): FieldError[] {
  return errors.filter((error) => error.field === path || error.field.startsWith(`${path}.`));
}

/** The errors no field of the form claims (shown above the form). */
export function unclaimedErrors(fields: FormField[], errors: FieldError[]): FieldError[] {
  const paths = leaves(fields).map((field) => field.path);
  return errors.filter((error) => !paths.some((path) => errorsFor(path, [error]).length > 0));
}
