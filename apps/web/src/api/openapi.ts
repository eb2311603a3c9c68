import { useQuery } from '@tanstack/react-query';
import type { JsonSchema } from '../components/schema-fields';
import type { Method } from './client';

/** The parts of the gateway's OpenAPI document the forms read. */
interface OpenApiDocument {
  paths: Record<
    string,
    Partial<
      Record<
        Method,
        {
          'x-certctl-permission'?: string;
          requestBody?: { content?: { 'application/json'?: { schema?: JsonSchema } } };
        }
      >
    >
  >;
}

/**
 * The gateway's own OpenAPI document (GET /api/openapi.json, public), fetched once: the forms
 * are generated from the request body schemas the API validates, so a new field in a contract
 * appears in the form without a dashboard change.
 */
export function useOpenApi() {
  return useQuery({
    queryKey: ['openapi'],
    queryFn: async (): Promise<OpenApiDocument> => {
      const res = await fetch('/api/openapi.json', { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`GET /api/openapi.json answered ${res.status}`);
      return (await res.json()) as OpenApiDocument;
    },
    staleTime: Infinity,
    refetchInterval: false,
    refetchOnWindowFocus: false,
  });
}

/** The JSON request body schema of a route, or undefined when it has none. */
export function bodySchema(doc: OpenApiDocument, path: string, method: Method): JsonSchema | undefined {
  return doc.paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema;
}

/** The permission a route requires (`x-certctl-permission`), e.g. `inventory:write`. */
export function permissionOf(doc: OpenApiDocument, path: string, method: Method): string | undefined {
  return doc.paths[path]?.[method]?.['x-certctl-permission'];
}
