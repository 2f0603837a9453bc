import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getOperationAST, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';

/** One trusted document: its sha256 (hex) and its text. */
export interface PersistedOperation {
  readonly id: string;
  readonly name: string | undefined;
  readonly body: string;
  readonly document: DocumentNode;
  readonly type: 'query' | 'mutation' | 'subscription';
}

export interface PersistedManifest {
  readonly file: string;
  readonly operations: ReadonlyMap<string, PersistedOperation>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Reads a trusted-documents manifest in either format:
 * - Apollo's `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ id, name, type, body }] }`
 * - GraphQL Code Generator's `persisted-documents.json`: `{ "<sha256>": "<document>" }`
 *
 * Every entry is checked at start-up: its id is the sha256 of its body, the body parses and validates
 * against the schema, and holds one operation. A bad entry throws a `TypeError` naming the file and entry.
 */
export function loadManifest(file: string, schema: GraphQLSchema): PersistedManifest {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TypeError(`persisted-operation manifest ${file} cannot be read as JSON: ${(error as Error).message}`);
  }
  return parseManifest(json, file, schema);
}

export function parseManifest(json: unknown, file: string, schema: GraphQLSchema): PersistedManifest {
  const entries = manifestEntries(json, file);
  const operations = new Map<string, PersistedOperation>();
  for (const { id, name, body } of entries) {
    const label = `${file}: entry ${name === undefined ? id : `"${name}" (${id})`}`;
    if (typeof id !== 'string' || !SHA256_HEX.test(id)) throw new TypeError(`${label}: the id must be 64 lowercase hex digits (sha256)`);
    if (typeof body !== 'string' || body === '') throw new TypeError(`${label}: the document must be a non-empty string`);
    if (sha256Hex(body) !== id) throw new TypeError(`${label}: the id is not the sha256 of the document`);
    if (operations.has(id)) throw new TypeError(`${label}: the id appears twice`);
    let document: DocumentNode;
    try {
      document = parse(body);
    } catch (error) {
      throw new TypeError(`${label}: the document does not parse: ${(error as Error).message}`);
    }
    const errors = validate(schema, document);
    if (errors.length > 0) throw new TypeError(`${label}: the document is not valid against the schema: ${errors[0]!.message}`);
    const operation = getOperationAST(document);
    if (operation == null) throw new TypeError(`${label}: the document must hold exactly one operation`);
    operations.set(id, { id, name: name ?? operation.name?.value, body, document, type: operation.operation });
  }
  return { file, operations };
}

interface RawEntry {
  readonly id: unknown;
  readonly name: string | undefined;
  readonly body: unknown;
}

function manifestEntries(json: unknown, file: string): RawEntry[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError(`persisted-operation manifest ${file} must hold a JSON object`);
  }
  const record = json as Record<string, unknown>;
  if (record['format'] === 'apollo-persisted-query-manifest') {
    if (record['version'] !== 1) throw new TypeError(`${file}: only version 1 of the Apollo manifest format is known`);
    const operations = record['operations'];
    if (!Array.isArray(operations)) throw new TypeError(`${file}: "operations" must be an array`);
    return operations.map((operation: unknown, index) => {
      if (typeof operation !== 'object' || operation === null) throw new TypeError(`${file}: entry #${index + 1} must be an object`);
      const { id, name, body } = operation as Record<string, unknown>;
      return { id, body, name: typeof name === 'string' ? name : undefined };
    });
  }
  if ('format' in record) throw new TypeError(`${file}: unknown manifest format ${JSON.stringify(record['format'])}`);
  return Object.entries(record).map(([id, body]) => ({ id, body, name: undefined }));
}
