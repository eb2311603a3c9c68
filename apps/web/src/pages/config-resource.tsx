import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import type { BodyOf } from '../api/client';
import { bodySchema, permissionOf, useOpenApi } from '../api/openapi';
import { useApi } from '../api/use-api';
import { type Permission, useSession } from '../auth/session';
import { Problem } from '../components/problem';
import { TypedSchemaForm, withConfig } from '../components/create-panel';
import { type JsonSchema, fieldsOf, withMaskedSecrets } from '../components/schema-fields';
import { SchemaForm } from '../components/schema-form';
import { formatDate } from '../components/status';

/** The configuration collections with list / create / get / update / delete routes of one shape. */
export type ConfigPath = '/api/v1/profiles' | '/api/v1/renewal-policies' | '/api/v1/owners' | '/api/v1/teams' | '/api/v1/targets';
export type ConfigRow = { id: string; name: string; updated_at: string } & Record<string, unknown>;

export interface ConfigResource {
  path: ConfigPath;
  title: string;
  singular: string;
  intro: string;
  columns: { label: string; render: (row: ConfigRow) => ReactNode }[];
  /** The route answering each `type`'s config JSON Schema: the forms show that type's fields instead of one JSON box. */
  typeSchemas?: '/api/v1/target-types';
}

const PAGE_SIZE = 50;
type Page = { data: ConfigRow[]; next_cursor: string | null };
// One typed route stands for all five: they share the shapes this page relies on (id, name, cursor list, JSON body).
type Same = '/api/v1/teams';

/**
 * A configuration collection: the cursor list, and (for a role with the route's permission) a
 * create form, an edit form per row and delete, each generated from the route's body schema.
 */
export function ConfigResourcePage({ resource }: { resource: ConfigResource }) {
  const api = useApi();
  const { can } = useSession();
  const openapi = useOpenApi();
  const queryClient = useQueryClient();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [editing, setEditing] = useState<ConfigRow | 'new' | null>(null);
  const cursor = cursors[cursors.length - 1];
  const list = useQuery({
    queryKey: ['config', resource.path, cursor],
    queryFn: async () => (await api.call('get', resource.path as Same, { query: { limit: PAGE_SIZE, cursor } })) as unknown as Page,
    placeholderData: keepPreviousData,
  });
  const itemPath = `${resource.path}/{id}` as `${Same}/{id}`;
  const writePermission = openapi.data ? permissionOf(openapi.data, resource.path, 'post') : undefined;
  const writable = !!writePermission && can(writePermission as Permission);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['config', resource.path] });
  const save = useMutation({
    mutationFn: (input: { id?: string; body: Record<string, unknown> }) =>
      input.id
        ? api.call('patch', itemPath, { params: { id: input.id }, body: input.body as BodyOf<`${Same}/{id}`, 'patch'> })
        : api.call('post', resource.path as Same, { body: input.body as BodyOf<Same, 'post'> }),
    onSuccess: () => {
      setEditing(null);
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.call('delete', itemPath, { params: { id } }),
    onSuccess: refresh,
  });
  const startEditing = (next: ConfigRow | 'new' | null) => {
    save.reset();
    setEditing(next);
  };
  const configSchemas = useConfigSchemas(resource);
  const schema =
    openapi.data && editing && bodySchema(openapi.data, editing === 'new' ? resource.path : itemPath, editing === 'new' ? 'post' : 'patch');
  const rows = list.data?.data ?? [];
  const formId = `${resource.singular.replace(/\s+/g, '-')}-form`;
  return (
    <section aria-labelledby="config-title" data-ready={openapi.data && list.data ? 'true' : undefined}>
      <div className="page-head">
        <h1 id="config-title">{resource.title}</h1>
        {writable && editing === null && (
          <button type="button" className="primary" onClick={() => startEditing('new')}>
            New {resource.singular}
          </button>
        )}
      </div>
      <p className="muted">{resource.intro}</p>
      {openapi.error && <Problem error={openapi.error} />}
      {writable && editing !== null && schema && (
        <section className="card" aria-label={editing === 'new' ? `New ${resource.singular}` : `Edit ${editing.name}`}>
          <h2>{editing === 'new' ? `New ${resource.singular}` : `Edit ${editing.name}`}</h2>
          {editing === 'new' ? (
            <TypedSchemaForm
              id={formId}
              schema={schema}
              configSchemas={configSchemas}
              submitLabel={`Create ${resource.singular}`}
              pending={save.isPending}
              error={save.error ?? undefined}
              onSubmit={(body) => save.mutate({ body })}
              onCancel={() => startEditing(null)}
            />
          ) : (
            <EditForm
              // The type's config schema arriving later gives the form its fields: it starts again from the row.
              key={`${editing.id}:${configSchemas ? 'typed' : 'json'}`}
              id={formId}
              schema={withConfig(schema, configSchemas?.[String(editing.type)])}
              row={editing}
              pending={save.isPending}
              error={save.error ?? undefined}
              onSubmit={(body) => save.mutate({ id: editing.id, body })}
              onCancel={() => startEditing(null)}
            />
          )}
        </section>
      )}
      {remove.error && <Problem error={remove.error} />}
      {list.error ? (
        <Problem error={list.error} />
      ) : list.isPending ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{resource.title}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Id</th>
                  {resource.columns.map((column) => (
                    <th key={column.label} scope="col">
                      {column.label}
                    </th>
                  ))}
                  <th scope="col">Updated</th>
                  {writable && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={resource.columns.length + 4} className="muted">
                      None yet.
                    </td>
                  </tr>
                )}
                {rows.map((row) => (
                  <tr key={row.id} data-id={row.id}>
                    <th scope="row">{row.name}</th>
                    <td>
                      <code>{row.id}</code>
                    </td>
                    {resource.columns.map((column) => (
                      <td key={column.label}>{column.render(row)}</td>
                    ))}
                    <td>{formatDate(row.updated_at)}</td>
                    {writable && (
                      <td className="row-actions">
                        <button type="button" aria-label={`Edit ${row.name}`} onClick={() => startEditing(row)}>
                          Edit
                        </button>
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Delete ${row.name}`}
                          disabled={remove.isPending}
                          onClick={() => window.confirm(`Delete ${resource.singular} ${row.name}?`) && remove.mutate(row.id)}
                        >
                          Delete
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <span>Page {cursors.length}</span>
            <button type="button" disabled={!list.data?.next_cursor} onClick={() => setCursors([...cursors, list.data!.next_cursor!])}>
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

/** Per type, the JSON Schema of its `config` when the resource publishes them (GET /api/v1/target-types). */
function useConfigSchemas(resource: ConfigResource): Record<string, JsonSchema> | undefined {
  const api = useApi();
  const types = useQuery({
    queryKey: ['type-schemas', resource.typeSchemas],
    queryFn: () => api.call('get', resource.typeSchemas!),
    enabled: !!resource.typeSchemas,
    staleTime: Infinity,
    refetchInterval: false,
  });
  // Free-form types keep the JSON box: there are no fields to show.
  const typed = types.data?.data.filter((entry) => !entry.free_form) ?? [];
  return types.data && Object.fromEntries(typed.map((entry) => [entry.type, entry.config_schema as JsonSchema]));
}

interface EditFormProps {
  id: string;
  schema: JsonSchema;
  row: ConfigRow;
  pending: boolean;
  error: unknown;
  onSubmit: (body: Record<string, unknown>) => void;
  onCancel: () => void;
}

/** The edit form of one row: its values filled in; secrets left empty are sent back masked (the API keeps them). */
function EditForm({ id, schema, row, pending, error, onSubmit, onCancel }: EditFormProps) {
  const fields = fieldsOf(schema, ['id']);
  return (
    <SchemaForm
      id={id}
      fields={fields}
      existing={row}
      submitLabel="Save changes"
      pending={pending}
      error={error}
      onSubmit={(body) => onSubmit(withMaskedSecrets(fields, body, row))}
      onCancel={onCancel}
    />
  );
}
