import type { ExecutionRequest, ExecutionResult } from '@graphql-tools/utils';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gatewayError } from '../graphql/errors.js';
import { IDENTITY_HEADER } from './identity.js';
import { admitSubgraphRequest, type SubgraphRoute } from './subgraphCall.js';
import type { SubgraphRequest } from './txnToken.js';

/**
 * A subscription to a subgraph, over GraphQL over WebSocket (`graphql-transport-ws`) at its URL (`http` →
 * `ws`): one socket per subscription, since each carries its caller's transaction token, signed for this very
 * subscribe message, in `connectionParams` (a WebSocket has no headers of its own to set from a browser,
 * and the subgraph checks it at `connection_init` and again against the `subscribe` it comes with). The
 * egress check and the request budget apply as to any subgraph request. Ending the iterator (the gateway's
 * subscription ended, for any reason) closes the socket: no upstream subscription outlives it.
 */
export function subscribeToSubgraph(route: SubgraphRoute, endpoint: string, request: ExecutionRequest): ExecutionResult | AsyncIterable<ExecutionResult> {
  const { name } = route;
  const sent: SubgraphRequest = { query: print(request.document), operationName: request.operationName ?? null, variables: request.variables ?? {} };
  const admitted = admitSubgraphRequest(route, request.context, 'subscription', () => sent);
  if (admitted.kind === 'failed') return failed(name, admitted.code, admitted.message);
  if (admitted.kind === 'refused') return { errors: [gatewayError('STEP_UP_REQUIRED', 'Refused at the gateway', { extensions: { service: name } })] };
  const { call, token } = admitted;
  const url = endpoint.replace(/^http/, 'ws');
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: { [IDENTITY_HEADER]: token, ...(call.requestId === undefined ? {} : { 'x-request-id': call.requestId }) },
    onNonLazyError: () => {},
  });
  route.metrics?.subgraphRequests.inc({ subgraph: name, outcome: 'ok' });
  const upstream = client.iterate<Record<string, unknown>, Record<string, unknown>>({
    query: sent.query!,
    operationName: sent.operationName ?? undefined,
    variables: sent.variables as Record<string, unknown>,
  });
  const close = async () => {
    try {
      await upstream.return?.();
    } finally {
      await client.dispose();
    }
  };
  return {
    [Symbol.asyncIterator]() {
      return {
        async next() {
          try {
            const next = await upstream.next();
            if (next.done === true) await close();
            return next as IteratorResult<ExecutionResult>;
          } catch (error) {
            await close();
            // The socket closed or the subgraph refused: the subscription ends; what happened is for the log.
            route.warn(`the subscription to subgraph "${name}" ended: ${describe(error)}`);
            return { value: undefined, done: true };
          }
        },
        async return() {
          await close();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

function failed(name: string, code: 'SUBGRAPH_UNAVAILABLE' | 'SUBGRAPH_REQUEST_LIMIT', message: string): ExecutionResult {
  return { errors: [gatewayError(code, `Subgraph "${name}": ${message}`, { extensions: { service: name } })] };
}

function describe(error: unknown): string {
  if (Array.isArray(error)) return error.map((one: { message?: string }) => one.message ?? String(one)).join('; ');
  const close = error as { code?: number; reason?: string } | null;
  if (typeof close?.code === 'number') return `socket closed with ${close.code} ${close.reason ?? ''}`.trim();
  return (error as Error)?.message ?? String(error);
}
