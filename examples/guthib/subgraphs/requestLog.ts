import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayIdentity } from 'step-up-gateway/subgraph';

/** One document a subgraph received, with the identity the gateway signed for it. */
export interface ReceivedDocument {
  readonly subgraph: string;
  /** The document as sent, or `(persisted query <hash>)` when only a hash was. */
  readonly query: string;
  readonly variables: unknown;
  readonly identity: GatewayIdentity;
}

export interface RequestLogOptions {
  /** Called with every document that executes, after its identity was verified and checked (a refused request never gets here). */
  readonly onRequest?: ((entry: ReceivedDocument) => void) | undefined;
  /** Given one human line per document: what a reader watches to see a protected field never arrive. */
  readonly log?: ((line: string) => void) | undefined;
}

/** The query the gateway sends to read a subgraph's SDL: logged briefly, it says nothing about the caller's fields. */
const SERVICE_QUERY = /^\s*(query\b[^{]*)?\{\s*_service\s*\{\s*sdl\s*\}\s*\}\s*$/;

/**
 * Reports each received document to `onRequest` and `log` as it starts executing: its transaction token
 * verified and checked against it, so a refused request (a replay, a forgery) is never reported.
 */
export function requestLogPlugin(subgraph: string, options: RequestLogOptions): ApolloServerPlugin<{ readonly identity: GatewayIdentity }> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ request, contextValue }) {
          const hash = (request.extensions?.['persistedQuery'] as { sha256Hash?: string } | undefined)?.sha256Hash;
          const entry: ReceivedDocument = {
            subgraph,
            query: request.query ?? `(persisted query ${hash ?? 'without a hash'})`,
            variables: request.variables ?? {},
            identity: contextValue.identity,
          };
          options.onRequest?.(entry);
          options.log?.(describeReceived(entry));
        },
      };
    },
  };
}

/** `[accounts] received { viewer { login id } } as alice (level MEDIUM)` */
export function describeReceived(entry: ReceivedDocument): string {
  const { identity } = entry;
  const who = identity.sub === undefined ? 'an anonymous caller' : `${identity.sub} (level ${identity.level ?? 'below the ladder'})`;
  if (SERVICE_QUERY.test(entry.query)) return `[${entry.subgraph}] received the schema request { _service { sdl } }`;
  const passed = identity.passed.length === 0 ? '' : `, passed at the gateway: ${identity.passed.map((one) => one.coordinate).join(', ')}`;
  return `[${entry.subgraph}] received ${entry.query.replace(/\s+/g, ' ').trim()} as ${who}${passed}`;
}
