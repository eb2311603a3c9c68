import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useMemo, useState } from 'react';
import type { BodyOf } from '../api/client';
import { bodySchema, permissionOf, useOpenApi } from '../api/openapi';
import { useApi } from '../api/use-api';
import { type Permission, useSession } from '../auth/session';
import { type JsonSchema, fieldsOf, typeVariants } from './schema-fields';
import { SchemaForm } from './schema-form';

/** The collections whose create route takes a typed body (a `type` choosing the rest of the form). */
export type CreatePath = '/api/v1/issuers' | '/api/v1/notification-channels' | '/api/v1/notification-rules';
// One typed route stands for all three: the panel only sends the JSON body the form built.
type Same = '/api/v1/notification-channels';

interface CreatePanelProps {
  path: CreatePath;
  singular: string;
  /** The query keys whose lists show the new record. */
  refresh: string[];
  /** Per type, the JSON Schema of the body's `config` when the API publishes it (GET /api/v1/issuer-types). */
  configSchemas?: Record<string, JsonSchema>;
}

/**
 * "New <singular>" for a role with the create route's permission (`x-certctl-permission`), opening
 * the form generated from the route's body schema; a viewer sees nothing.
 */
export function CreatePanel({ path, singular, refresh, configSchemas }: CreatePanelProps) {
  const api = useApi();
  const { can } = useSession();
  const openapi = useOpenApi();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api.call('post', path as Same, { body: body as BodyOf<Same, 'post'> }),
    onSuccess: () => {
      setOpen(false);
      for (const key of refresh) void queryClient.invalidateQueries({ queryKey: [key] });
    },
  });
  const permission = openapi.data && permissionOf(openapi.data, path, 'post');
  const schema = openapi.data && bodySchema(openapi.data, path, 'post');
  if (!permission || !schema || !can(permission as Permission)) return null;
  if (!open) {
    return (
      <button
        type="button"
        className="primary"
        onClick={() => {
          create.reset();
          setOpen(true);
        }}
      >
        New {singular}
      </button>
    );
  }
  const formId = `new-${singular.replace(/\s+/g, '-')}`;
  return (
    <section className="card" aria-label={`New ${singular}`}>
      <h2>New {singular}</h2>
      <TypedSchemaForm
        id={formId}
        schema={schema}
        configSchemas={configSchemas}
        submitLabel={`Create ${singular}`}
        pending={create.isPending}
        error={create.error ?? undefined}
        onSubmit={(body) => create.mutate(body)}
        onCancel={() => setOpen(false)}
      />
    </section>
  );
}

interface TypedSchemaFormProps {
  id: string;
  schema: JsonSchema;
  /** Per type, a schema replacing the free-form `config` of that type's branch (its own fields instead of one JSON box). */
  configSchemas?: Record<string, JsonSchema>;
  submitLabel: string;
  pending?: boolean;
  error?: unknown;
  onSubmit: (body: Record<string, unknown>) => void;
  onCancel: () => void;
}

/**
 * A create form whose fields depend on the chosen `type`: a Type list first (the body's `oneOf`
 * branches or its `type` enum), then the generated fields of that type's schema. A body without
 * `type` is one plain generated form.
 */
export function TypedSchemaForm({ id, schema, configSchemas, submitLabel, pending, error, onSubmit, onCancel }: TypedSchemaFormProps) {
  const variants = useMemo(() => typeVariants(schema), [schema]);
  const [type, setType] = useState(variants[0]?.type);
  const variant = variants.find((candidate) => candidate.type === type);
  const fields = useMemo(
    () => fieldsOf(variant ? withConfig(variant.schema, configSchemas?.[variant.type]) : schema, variant ? ['type'] : []),
    [variant, schema, configSchemas],
  );
  const form = (
    <SchemaForm
      // A new set of fields (another type, or its config schema arriving) starts from its own defaults.
      key={`${type}:${variant && configSchemas?.[variant.type] ? 'fields' : 'json'}`}
      id={id}
      fields={fields}
      autoFocus={!variant}
      submitLabel={submitLabel}
      pending={pending}
      error={error}
      onSubmit={(body) => onSubmit(variant ? { type: variant.type, ...body } : body)}
      onCancel={onCancel}
    />
  );
  if (!variant) return form;
  const escape = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onCancel();
  };
  return (
    <div className="typed-form" onKeyDown={escape}>
      <div className="field" data-field="type">
        <label htmlFor={`${id}-type`}>
          Type<span aria-hidden="true"> *</span>
        </label>
        <select
          id={`${id}-type`}
          autoFocus
          value={type}
          aria-describedby={`${id}-type-help`}
          onChange={(event) => setType(event.target.value)}
        >
          {variants.map((candidate) => (
            <option key={candidate.type} value={candidate.type}>
              {candidate.type}
            </option>
          ))}
        </select>
        <small id={`${id}-type-help`} className="muted">
          {variant.description ?? 'The fields below follow the type.'}
        </small>
      </div>
      {form}
    </div>
  );
}

/** The branch with its `config` property replaced by the type's own config schema (kept when there is none). */
export function withConfig(branch: JsonSchema, config: JsonSchema | undefined): JsonSchema {
  if (!config || !branch.properties?.config) return branch;
  const described = { ...config, description: config.description ?? branch.properties.config.description };
  return { ...branch, properties: { ...branch.properties, config: described } };
}
