import { pino, type Logger } from 'pino';

/** Where the gateway's structured log goes, and how much of it. */
export interface LogConfig {
  /** `level`: pino's levels, `trace` … `fatal`, or `silent`. Default `info`. */
  readonly level: string;
  /** `destination`: `stdout`, `stderr`, or a file path (appended to). Default `stdout`. */
  readonly destination: string;
  /** `pretty`: one readable line per event instead of JSON. Default: on in dev mode, off otherwise. */
  readonly pretty: boolean | undefined;
}

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
export async function createLogger(config: LogConfig, devMode: boolean): Promise<Logger> {
  const options = {
    level: config.level,
    base: { service: 'step-up-gateway' },
    redact: { paths: ['authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'token', '*.token'], censor: '[redacted]' },
  };
  const fd = config.destination === 'stderr' ? 2 : config.destination === 'stdout' ? 1 : undefined;
  if (config.pretty ?? devMode) {
    try {
      const { default: pretty } = (await import('pino-pretty')) as unknown as { default: (options: object) => NodeJS.WritableStream };
      return pino(options, pretty({ colorize: false, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', destination: fd ?? config.destination, sync: true }));
    } catch {
      // pino-pretty is a development dependency: without it, JSON.
    }
  }
  return pino(options, pino.destination({ dest: fd ?? config.destination, sync: false, mkdir: true }));
}
