import { pino, type Logger } from 'pino';

/** A gateway that logs nothing: for tests about something else. */
export const SILENT: Logger = pino({ level: 'silent' });

/** A gateway logger whose JSON lines land in `lines`, parsed: the real log stream, read by a test. */
export function capturedLogger(): { readonly logger: Logger; readonly lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
