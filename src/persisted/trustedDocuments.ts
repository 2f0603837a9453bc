import type { PersistedManifest, PersistedOperation } from './manifest.js';

/** Who may send documents, and which documents are trusted. */
export interface TrustedDocumentsPolicy {
  readonly manifest: PersistedManifest | undefined;
  /** `client_id` (or `azp`) values of partner clients: they may run manifest operations only. */
  readonly partnerClients: ReadonlySet<string>;
  /** Everyone, not only partners, may run manifest operations only. */
  readonly requireForAll: boolean;
}

export type PersistedResolution =
  | {
      readonly kind: 'pass';
      /** The request with the manifest's document put in, or as it came. */
      readonly body: unknown;
      readonly search: string;
      /** The manifest operation the request named, if any. */
      readonly persisted: PersistedOperation | undefined;
    }
  | {
      readonly kind: 'refused';
      readonly status: 400;
      readonly code: 'PERSISTED_QUERY_REQUIRED' | 'PERSISTED_QUERY_NOT_FOUND';
      readonly message: string;
    };

const SHA256_PREFIX = 'sha256:';

/**
 * Resolves a request's persisted-operation id before any GraphQL work: by `documentId`
 * (GraphQL over HTTP persisted documents: `sha256:<hex>` or bare hex) or by Apollo's
 * `extensions.persistedQuery.sha256Hash`, in a POST body or GET parameters.
 *
 * A manifest id becomes its document. A caller held to trusted documents (a partner client, or
 * everyone with `requireForAll`) is refused any other document, without parsing it. Others may send
 * documents and use automatic persisted queries, which Apollo Server handles from here on.
 */
export function resolvePersisted(
  policy: TrustedDocumentsPolicy,
  request: { readonly method: string; readonly body: unknown; readonly search: string },
  clientId: string | undefined,
): PersistedResolution {
  const held = policy.requireForAll || (clientId !== undefined && policy.partnerClients.has(clientId));
  const params = request.method === 'GET' ? new URLSearchParams(request.search) : undefined;
  const fields = params === undefined ? asRecord(request.body) : getFields(params);
  const named = persistedIdOf(fields);
  const persisted = named.id === undefined ? undefined : policy.manifest?.operations.get(named.id);

  if (persisted !== undefined) {
    if (params !== undefined) {
      params.set('query', persisted.body);
      params.delete('documentId');
      return { kind: 'pass', body: request.body, search: `?${params}`, persisted };
    }
    const { documentId: _ignored, ...rest } = fields ?? {};
    return { kind: 'pass', body: { ...rest, query: persisted.body }, search: request.search, persisted };
  }
  if (named.via === 'documentId') {
    return { kind: 'refused', status: 400, code: 'PERSISTED_QUERY_NOT_FOUND', message: 'No persisted operation has this documentId' };
  }
  if (held) {
    if (named.id !== undefined && typeof fields?.['query'] !== 'string') {
      return { kind: 'refused', status: 400, code: 'PERSISTED_QUERY_NOT_FOUND', message: 'No persisted operation has this hash' };
    }
    return {
      kind: 'refused',
      status: 400,
      code: 'PERSISTED_QUERY_REQUIRED',
      message: 'This client may only run persisted operations: send a documentId from the manifest',
    };
  }
  return { kind: 'pass', body: request.body, search: request.search, persisted: undefined };
}

function persistedIdOf(fields: Record<string, unknown> | undefined): { id?: string; via?: 'documentId' | 'extensions' } {
  const documentId = fields?.['documentId'];
  if (typeof documentId === 'string') {
    const hex = documentId.startsWith(SHA256_PREFIX) ? documentId.slice(SHA256_PREFIX.length) : documentId;
    return { id: hex.toLowerCase(), via: 'documentId' };
  }
  const persistedQuery = asRecord(asRecord(fields?.['extensions'])?.['persistedQuery']);
  const hash = persistedQuery?.['sha256Hash'];
  return typeof hash === 'string' ? { id: hash.toLowerCase(), via: 'extensions' } : {};
}

function getFields(params: URLSearchParams): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of ['query', 'documentId']) {
    const value = params.get(key);
    if (value !== null) fields[key] = value;
  }
  const extensions = params.get('extensions');
  if (extensions !== null) {
    try {
      fields['extensions'] = JSON.parse(extensions);
    } catch {
      // Apollo Server answers malformed extensions itself.
    }
  }
  return fields;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
