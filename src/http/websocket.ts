import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { CloseCode, type Context as WsContext, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticate, type Admission } from '../auth/authenticate.js';
import type { Caller, Principal } from '../auth/principal.js';
import type { Revocations } from '../auth/revocations.js';
import type { TokenVerifier } from '../auth/verifyToken.js';
import type { GraphRequest } from '../gateway/graph.js';
import { createStepUpState, gatewayContext, type StepUpContext } from '../graphql/context.js';
import { checkRequirement } from '../graphql/enforce.js';
import { gatewayError } from '../graphql/errors.js';
import { LiveSubscription, type Recheck, type SubscriptionEndReason } from '../graphql/liveSubscription.js';
import { requirementsOfOperation, type SelectedRequirement } from '../graphql/operationPolicy.js';
import type { PolicyTable } from '../graphql/policyTable.js';
import { reportRefusal, reportSubscription, type Ops } from '../ops/audit.js';
import { resolvePersisted, type TrustedDocumentsPolicy } from '../persisted/trustedDocuments.js';
import type { Ladder } from '../stepup/ladder.js';

/** What a graph offers subscriptions: the schema they are validated against, its policy, and how one runs. */
export interface SubscribableGraph {
  readonly schema: GraphQLSchema;
  readonly policy: PolicyTable;
  /** Opens the source event stream with the subscribe-time context; a result with errors when it cannot. */
  open(args: SubscriptionArgs, context: StepUpContext): Promise<AsyncIterator<unknown> | ExecutionResult>;
  /** Executes one event with a context made for it. */
  execute(args: SubscriptionArgs, event: unknown, context: StepUpContext): ExecutionResult | Promise<ExecutionResult>;
}

export interface SubscriptionArgs {
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  readonly variableValues: Readonly<Record<string, unknown>> | undefined;
}

export interface SubscriptionLimits {
  /** Subscriptions one connection may hold at once. */
  readonly maxPerConnection: number;
  /** Milliseconds a connection may take to send `connection_init`. */
  readonly connectionInitTimeoutMs: number;
  /** Seconds between two checks of every open subscription when no event comes. */
  readonly recheckSeconds: number;
  /** Results a subscription holds for a client that does not read them; the next event ends it. */
  readonly maxQueuedEvents: number;
}

export interface WebSocketEndpointOptions {
  readonly httpServer: Server;
  /** Whether a browser page on `origin` may open a socket (CORS origins, or the gateway's own origin). */
  readonly allowsOrigin: (origin: string, host: string | undefined) => boolean;
  readonly verifier: TokenVerifier;
  readonly revocations: Revocations;
  readonly realm: string;
  readonly clock: () => number;
  readonly ladder: Ladder;
  readonly ops: Ops;
  readonly trusted: TrustedDocumentsPolicy;
  /** The graph served now; `undefined` while it is not built. */
  readonly graph: () => SubscribableGraph | undefined;
  /** The graph's own part of each event's context. */
  readonly createContext: ((request: GraphRequest) => object) | undefined;
  readonly canReauthenticateClaim: string;
  readonly limits: { readonly maxTokens: number; readonly maxBodyBytes: number; readonly rules: readonly ValidationRule[] };
  readonly subscriptions: SubscriptionLimits;
  /** Whether the schema may be introspected: when not, validation messages do not suggest field names. */
  readonly introspection: boolean;
  readonly warn: (message: string) => void;
}

export interface WebSocketEndpoint {
  /** Subscriptions open now. */
  active(): number;
  /** Ends every subscription and closes every socket with 1001 (going away); resolves once they are closed. */
  close(): Promise<void>;
}

/** The close code when the connection's token is no longer accepted: graphql-ws clients reconnect after it (with a new token). */
const TOKEN_REFUSED = CloseCode.Forbidden;
/** Tokens or logouts cannot be checked: the client may try again later. */
const TRY_AGAIN_LATER = 1013;
const GOING_AWAY = 1001;

interface Connection {
  readonly id: string;
  readonly socket: WebSocket;
  /** The `Authorization` value the connection authenticated with, checked again before each event. */
  readonly authorization: string | undefined;
  readonly caller: Caller;
  readonly principal: Principal | undefined;
  readonly feeds: Set<LiveSubscription<StepUpContext>>;
  /** Subscriptions accepted and not yet started (their root field is being decided, their source opened). */
  starting: number;
  /** The check of the token in flight: the subscriptions of one connection that an event reaches at once check it once. */
  checking?: { readonly now: number; readonly result: Promise<Recheck> } | undefined;
  refused: boolean;
}

/** What onSubscribe prepared, handed to `subscribe` as the execution's context value. */
interface Prepared {
  readonly connection: Connection;
  readonly id: string;
  readonly graph: SubscribableGraph;
  readonly args: SubscriptionArgs;
  readonly roots: readonly SelectedRequirement[];
}

/**
 * GraphQL over WebSocket (`graphql-transport-ws`, the graphql-ws library) on `/graphql`, same port: subscriptions
 * only, each enforced at subscribe and again before every event (`LiveSubscription`).
 *
 * - The upgrade: a browser's `Origin` must be one of the CORS origins (or the gateway's own), against
 *   cross-site WebSocket hijacking; a token in the URL is refused, as over HTTP.
 * - `connection_init`: the access token in `connectionParams.authorization` (`"Bearer …"`: browsers cannot set
 *   headers on a WebSocket) or the upgrade's `Authorization` header, never both; verified as over HTTP.
 *   No token is an anonymous caller; a token refused closes the socket with 4403.
 * - `subscribe`: the same document limits as HTTP, trusted documents, then the root field's requirement for
 *   the caller now. Refused: one result with the error (`STEP_UP_REQUIRED` with `acrValues`/`maxAge`, …) and
 *   `complete`; nothing is opened upstream.
 * - Every event, and every `recheckSeconds` without one: the connection's token is checked again (expired,
 *   logged out: `UNAUTHENTICATED` to each subscription, `complete`, then close 4403, after which graphql-ws
 *   clients reconnect) and the root field's requirement is decided again at the current time (decayed:
 *   `STEP_UP_REQUIRED` with the challenge, `complete`); the event executes with a fresh step-up state, so its
 *   protected fields are decided again too.
 */
export function createWebSocketEndpoint(options: WebSocketEndpointOptions): WebSocketEndpoint {
  const { clock, ladder, ops, subscriptions: limits } = options;
  const connections = new Map<WsContext, Connection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.limits.maxBodyBytes });
  const rules = [...specifiedRules, ...options.limits.rules];
  const who = (connection: Connection) => ({ principal: connection.principal, ladder, now: clock() });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/graphql') return refuse('404 Not Found');
    const origin = req.headers.origin;
    if (origin !== undefined && !options.allowsOrigin(origin, req.headers.host)) {
      reportRefusal(ops, 'token.refused', { origin, reason: 'origin' }, `WebSocket from origin ${origin} refused: not one of the CORS origins`);
      return refuse('403 Forbidden');
    }
    if (url.searchParams.has('access_token')) return refuse('400 Bad Request');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  options.httpServer.on('upgrade', onUpgrade);

  /** The connection's token checked again at `now` (expiry, logout, keys): as over HTTP, with the verifier's cache. */
  const checkConnection = (connection: Connection, now: number): Promise<Recheck> => {
    if (connection.authorization === undefined) return Promise.resolve(undefined);
    if (connection.checking?.now === now) return connection.checking.result;
    const result = Promise.resolve(admit(connection.authorization)).then((admission): Recheck => {
      if (admission.kind === 'caller') return undefined;
      const unavailable = admission.status === 503;
      return {
        reason: unavailable ? 'unavailable' : 'unauthenticated',
        errors: [gatewayError(admission.code, admission.message, { extensions: { reason: unavailable ? 'unavailable' : 'token' } })],
      };
    });
    const checking = { now, result };
    connection.checking = checking;
    void result.finally(() => {
      if (connection.checking === checking) connection.checking = undefined;
    });
    return result;
  };

  const admit = (authorization: string | undefined): Admission | Promise<Admission> =>
    authenticate({ headers: authorization === undefined ? {} : { authorization } }, '', options.verifier, options.revocations, options.realm, (reason) =>
      options.warn(`access tokens cannot be checked (a WebSocket was refused): ${reason}`),
    );

  /** The token is no longer accepted: every subscription of the connection ends with `errors`, then the socket closes. */
  const refuseConnection = async (connection: Connection, verdict: NonNullable<Recheck>) => {
    if (connection.refused) return;
    connection.refused = true;
    await Promise.all([...connection.feeds].map((feed) => feed.end(verdict.reason, verdict.errors)));
    // After graphql-ws has queued each `complete`: the close frame follows them.
    setTimeout(() => connection.socket.close(verdict.reason === 'unavailable' ? TRY_AGAIN_LATER : TOKEN_REFUSED, closeReasonOf(verdict)), 0);
  };

  const recheckOf =
    (connection: Connection, roots: readonly SelectedRequirement[]) =>
    async (now: number): Promise<Recheck> => {
      const refused = await checkConnection(connection, now);
      if (refused !== undefined) {
        void refuseConnection(connection, refused);
        return refused;
      }
      const state = createStepUpState(connection.caller, now, { canReauthenticateClaim: options.canReauthenticateClaim });
      const errors: GraphQLError[] = [];
      for (const root of roots) {
        const error = checkRequirement(ladder, state, root.requirement, { path: root.path, nodes: root.node, coordinate: root.coordinate });
        if (error !== undefined) errors.push(error);
      }
      if (errors.length === 0) return undefined;
      const code = errors[0]!.extensions['code'];
      return { reason: code === 'UNAUTHENTICATED' ? 'unauthenticated' : 'step_up_required', errors };
    };

  const contextAt = (connection: Connection, now: number): StepUpContext =>
    gatewayContext(
      options.createContext,
      connection.principal,
      createStepUpState(connection.caller, now, { canReauthenticateClaim: options.canReauthenticateClaim }),
      connection.authorization,
    );

  const server = useServer(
    {
      connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
      async onConnect(ctx) {
        const request = ctx.extra.request;
        const header = request.headers.authorization;
        const param = ctx.connectionParams?.['authorization'];
        if (param !== undefined && typeof param !== 'string') return false;
        if (param !== undefined && header !== undefined) return false;
        const authorization = param ?? header;
        let admission = admit(authorization);
        if (admission instanceof Promise) admission = await admission;
        if (admission.kind === 'refused') {
          ops.metrics?.tokenVerifications.inc({ outcome: admission.status === 503 ? 'unavailable' : 'invalid' });
          reportRefusal(
            ops,
            'token.refused',
            { status: admission.status, code: admission.code, reason: admission.message, transport: 'websocket' },
            admission.message,
          );
          return false;
        }
        const { caller } = admission;
        const principal = caller.kind === 'principal' ? caller.principal : undefined;
        if (principal !== undefined) ops.metrics?.tokenVerifications.inc({ outcome: 'valid' });
        connections.set(ctx, { id: randomUUID(), socket: ctx.extra.socket, authorization, caller, principal, feeds: new Set(), starting: 0, refused: false });
        return true;
      },
      onSubscribe(ctx, id, payload) {
        const connection = connections.get(ctx);
        if (connection === undefined || connection.refused) return [gatewayError('UNAUTHENTICATED', 'This connection is closing; connect again')];
        const prepared = prepare(connection, id, payload);
        if (Array.isArray(prepared)) {
          const code = String(prepared[0]?.extensions['code'] ?? 'BAD_REQUEST');
          reportSubscription(ops, 'subscription.refused', who(connection), {
            connectionId: connection.id,
            id,
            operationName: payload.operationName ?? undefined,
            code,
          });
          return prepared;
        }
        return {
          schema: prepared.graph.schema,
          document: prepared.args.document,
          operationName: prepared.args.operationName,
          variableValues: prepared.args.variableValues,
          contextValue: prepared,
        } satisfies ExecutionArgs;
      },
      subscribe: (args: ExecutionArgs) => start(args.contextValue as Prepared),
      onClose(ctx) {
        const connection = connections.get(ctx);
        connections.delete(ctx);
        // graphql-ws ends (`return()`) each subscription of a closed socket itself.
        if (connection !== undefined) connection.refused = true;
      },
    },
    wss,
  );

  /** Parses, validates and checks a subscribe message; the errors to answer with when it is refused. */
  function prepare(connection: Connection, id: string, payload: SubscribePayload): Prepared | GraphQLError[] {
    if (connection.feeds.size + connection.starting >= limits.maxPerConnection)
      return [
        gatewayError('BAD_REQUEST', `A connection may hold at most ${limits.maxPerConnection} subscriptions`, {
          extensions: { limit: 'subscriptions.maxPerConnection' },
        }),
      ];
    const resolved = resolvePersisted(options.trusted, { method: 'POST', body: payload, search: '' }, connection.principal?.clientId);
    if (resolved.kind === 'refused') return [gatewayError(resolved.code, resolved.message)];
    const body = resolved.body as SubscribePayload;
    const graph = options.graph();
    if (graph === undefined) return [gatewayError('SERVICE_UNAVAILABLE', 'The graph is not ready yet; retry shortly')];
    if (typeof body.query !== 'string') return [gatewayError('BAD_REQUEST', 'A subscribe message needs a "query" string')];
    let document: DocumentNode;
    try {
      document = parse(body.query, { maxTokens: options.limits.maxTokens });
    } catch (error) {
      return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    }
    const invalid = validate(graph.schema, document, rules);
    if (invalid.length > 0)
      return invalid.map(
        (error) =>
          new GraphQLError(options.introspection ? error.message : withoutSuggestions(error.message), {
            nodes: error.nodes,
            extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
      );
    const operationName = body.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (operation === null || operation === undefined)
      return [new GraphQLError('The document names no operation to run', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
    if (operation.operation !== 'subscription')
      return [gatewayError('BAD_REQUEST', `This socket carries subscriptions; send a ${operation.operation} over HTTP (POST /graphql)`)];
    const variables = body.variables ?? {};
    const coerced = getVariableValues(graph.schema, operation.variableDefinitions ?? [], variables);
    if (coerced.errors !== undefined) return coerced.errors.map((error) => gatewayError('BAD_USER_INPUT', error.message));
    let selection: SelectedRequirement[];
    try {
      selection = requirementsOfOperation(graph.schema, graph.policy, document, operation, coerced.coerced);
    } catch (error) {
      return [gatewayError('BAD_USER_INPUT', `The operation cannot be checked: ${(error as Error).message}`)];
    }
    const roots = selection.filter((selected) => selected.path.length === 1);
    // Fail closed on what `policy lint` calls an error: a one-time step-up cannot serve every event.
    const once = roots.find((root) => root.requirement.once === true);
    if (once !== undefined)
      return [
        gatewayError('BAD_REQUEST', `${once.coordinate} asks a one-time step-up, which cannot serve a subscription`, { path: once.path, nodes: once.node }),
      ];
    connection.starting += 1;
    return { connection, id, graph, args: { document, operationName, variableValues: variables }, roots };
  }

  /** Decides the root field now; opens the source and wraps it, or answers the refusal as the one result. */
  async function start(prepared: Prepared): Promise<ExecutionResult | LiveSubscription<StepUpContext>> {
    try {
      return await open(prepared);
    } finally {
      prepared.connection.starting -= 1;
    }
  }

  async function open(prepared: Prepared): Promise<ExecutionResult | LiveSubscription<StepUpContext>> {
    const { connection, id, graph, args, roots } = prepared;
    const fields = { connectionId: connection.id, id, operationName: args.operationName };
    const recheck = recheckOf(connection, roots);
    const now = clock();
    const refused = await recheck(now);
    if (refused !== undefined) {
      reportSubscription(ops, 'subscription.refused', who(connection), { ...fields, code: String(refused.errors[0]?.extensions['code']) });
      return { errors: [...refused.errors] };
    }
    const source = await graph.open(args, contextAt(connection, now));
    if (!isIterator(source)) {
      reportSubscription(ops, 'subscription.refused', who(connection), { ...fields, code: String(source.errors?.[0]?.extensions['code'] ?? 'ERROR') });
      return source;
    }
    if (connection.refused) {
      await source.return?.();
      return { errors: [gatewayError('UNAUTHENTICATED', 'This connection is closing; connect again')] };
    }
    const feed: LiveSubscription<StepUpContext> = new LiveSubscription({
      source,
      clock,
      recheck,
      contextAt: (at) => contextAt(connection, at),
      execute: (event, context) => graph.execute(args, event, context),
      maxQueued: limits.maxQueuedEvents,
      onEnd: (reason: SubscriptionEndReason) => {
        connection.feeds.delete(feed);
        reportSubscription(ops, 'subscription.ended', who(connection), { ...fields, reason });
      },
    });
    connection.feeds.add(feed);
    reportSubscription(ops, 'subscription.started', who(connection), fields);
    return feed;
  }

  const sweep = setInterval(() => {
    for (const connection of connections.values()) for (const feed of connection.feeds) void feed.recheck();
  }, limits.recheckSeconds * 1000);
  sweep.unref();

  return {
    active: () => [...connections.values()].reduce((sum, connection) => sum + connection.feeds.size, 0),
    async close() {
      clearInterval(sweep);
      options.httpServer.off('upgrade', onUpgrade);
      const open = [...connections.values()];
      await Promise.all(open.flatMap((connection) => [...connection.feeds].map((feed) => feed.end('shutdown'))));
      for (const connection of open) connection.socket.close(GOING_AWAY, 'The gateway is shutting down');
      // Closes what is left (with 1001 too) and the server.
      await server.dispose();
    },
  };
}

function isIterator(value: AsyncIterator<unknown> | ExecutionResult): value is AsyncIterator<unknown> {
  return typeof (value as AsyncIterator<unknown>).next === 'function';
}

/** graphql-js's "Did you mean …?" names fields and types: a schema that cannot be introspected must not leak that way. */
function withoutSuggestions(message: string): string {
  return message.replace(/ Did you mean .*\?$/, '');
}

/** A close frame's reason is at most 123 bytes. */
function closeReasonOf(verdict: NonNullable<Recheck>): string {
  const reason = verdict.reason === 'unavailable' ? 'Tokens cannot be checked right now' : 'The access token is no longer accepted';
  return reason.slice(0, 123);
}
