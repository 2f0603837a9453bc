import { pino, type Logger } from 'pino';

/** Where the gateway's structured log goes, and how much of it. */
export interface LogConfig {
  /** `level`: pino's levels, `trace` … `fatal`, or `silent`. Default `info`. */
  readonly level: string;
  /** `destination`: `stdout`, `stderr`, or a file path (appended to). Default `stdout`. */
  readonly destination: string;
  /** `pretty`: one readable line per event instead of JSON. Default: on in dev mode, off otherwise. */
  readonly pretty: boolean | undefined;
  /**
   * `requests`: the `request` line written for every GraphQL request. Default true. False leaves the audit
   * events (refusals, step-ups let through, token refusals) and drops the access log a proxy may already keep.
   */
  readonly requests: boolean;
}

/** Where a token or a cookie could sit in a logged object, should anything ever pass one. */
const REDACTED = [
  'authorization',
  'token',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'caller.token',
];

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function checkLogLevel(level: string): string {
  if (!LEVELS.includes(level)) throw new TypeError(`config "log.level" must be one of ${LEVELS.join(', ')}`);
  return level;
}

/**
 * The gateway's logger: JSON lines (pino), or readable lines in dev mode when `pino-pretty` (a dev
 * dependency) is installed. Secrets never reach it: the audit events carry no token, no variable value and
 * no header, and `authorization`/`cookie` are redacted should anything pass them.
 */
export async function createLogger(config: Omit<LogConfig, 'requests'>, devMode: boolean): Promise<Logger> {
  const options = {
    level: config.level,
    base: { service: 'step-up-gateway' },
    // Named paths, no wildcards: a wildcard makes pino walk every line's members, about 3 µs a line.
    redact: { paths: [...REDACTED], censor: '[redacted]' },
  };
  const fd = config.destination === 'stderr' ? 2 : config.destination === 'stdout' ? 1 : undefined;
  if (config.pretty ?? devMode) {
    try {
      const { default: pretty } = (await import('pino-pretty')) as unknown as { default: (options: object) => NodeJS.WritableStream };
      // pino-pretty prints a `caller` key as `<caller>` before the message (`<[object Object]>` for ours): it is
      // left to `prettyLine`, which names its parts.
      const line = { colorize: false, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service,caller', hideObject: true, messageFormat: prettyLine };
      return pino(options, pretty({ ...line, destination: fd ?? config.destination, sync: true }));
    } catch {
      // pino-pretty is a development dependency: without it, JSON.
    }
  }
  // Lines are gathered and written 4 KiB at a time, and at least every FLUSH_MS: one write per line cost
  // about 60 µs per request under load. A slow destination never blocks a request (writes are
  // asynchronous), and what is gathered is written on exit (pino's exit hook).
  return pino(options, pino.destination({ dest: fd ?? config.destination, sync: false, mkdir: true, minLength: 4096, periodicFlush: FLUSH_MS }));
}

/** How long a gathered log line may wait before it is written. */
const FLUSH_MS = 200;

/**
 * One readable line per event in dev mode: the message, then `key=value` for what an operator reads first
 * (who called, at which level and authentication age, which coordinate, the outcome); the JSON form carries
 * every field. Objects are flattened one level (`caller.level=HIGH`), never printed as `[object Object]`.
 */
export function prettyLine(log: Record<string, unknown>, messageKey: string): string {
  const parts: string[] = [];
  const add = (key: string, value: unknown): void => {
    if (value === undefined || value === null || value === '') return;
    if (typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) add(`${key}.${inner}`, innerValue);
      return;
    }
    const text = Array.isArray(value) ? value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(',') : String(value);
    parts.push(`${key}=${/\s/.test(text) ? JSON.stringify(text) : text}`);
  };
  for (const [key, value] of Object.entries(log)) {
    if (key === messageKey || key === 'level' || key === 'time' || key === 'pid' || key === 'hostname' || key === 'service') continue;
    add(key, value);
  }
  const message = typeof log[messageKey] === 'string' ? (log[messageKey] as string) : '';
  return parts.length === 0 ? message : `${message} ${parts.join(' ')}`;
}
