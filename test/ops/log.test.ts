import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLine } from '../../src/ops/log.js';

const REFUSAL = {
  event: 'step_up.refused',
  requestId: 'r1',
  sub: 'alice',
  caller: { acr: 'urn:mace:incommon:iap:silver', level: 'MEDIUM', authAge: 30 },
  coordinate: 'User.paymentMethods',
  outcome: 'STEP_UP_REQUIRED',
};

describe('the dev-mode log line', () => {
  it('names the caller, level and authentication age of an event on one line', () => {
    expect(prettyLine({ msg: 'User.paymentMethods refused', level: 30, time: 1, ...REFUSAL }, 'msg')).toBe(
      'User.paymentMethods refused event=step_up.refused requestId=r1 sub=alice caller.acr=urn:mace:incommon:iap:silver caller.level=MEDIUM caller.authAge=30 coordinate=User.paymentMethods outcome=STEP_UP_REQUIRED',
    );
  });

  it('quotes a value with spaces and leaves out what is absent', () => {
    expect(prettyLine({ msg: 'm', reason: 'level decayed', sid: undefined }, 'msg')).toBe('m reason="level decayed"');
  });

  it('writes one readable line per event, never [object Object]', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'log-')), 'gateway.log');
    const logger = await createLogger({ level: 'info', destination: file, pretty: true }, true);
    logger.info(REFUSAL, 'User.paymentMethods refused: STEP_UP_REQUIRED');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\] INFO: User\.paymentMethods refused: STEP_UP_REQUIRED event=step_up\.refused .*caller\.level=MEDIUM caller\.authAge=30 /,
    );
    expect(lines[0]).not.toContain('[object Object]');
  });
});

describe('the JSON log', () => {
  it('writes a line within the flush period though it gathers lines to write them together', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'log-')), 'gateway.log');
    const logger = await createLogger({ level: 'info', destination: file, pretty: false }, false);
    logger.info(REFUSAL, 'User.paymentMethods refused: STEP_UP_REQUIRED');
    const read = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
    expect(read()).toBe('');
    await expect.poll(() => read(), { timeout: 2_000, interval: 50 }).toContain('"event":"step_up.refused"');
    expect(read().trimEnd().split('\n')).toHaveLength(1);
  });

  it('redacts a token, an authorization header or a cookie should one ever be logged', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'log-')), 'gateway.log');
    const logger = await createLogger({ level: 'info', destination: file, pretty: false }, false);
    logger.info(
      { authorization: 'Bearer a.b.c', token: 'a.b.c', headers: { authorization: 'Bearer d.e.f', cookie: 'session=1' }, caller: { token: 'g.h.i' } },
      'oops',
    );
    logger.flush();
    await expect.poll(() => (existsSync(file) ? readFileSync(file, 'utf8') : ''), { timeout: 2_000, interval: 50 }).toContain('"msg":"oops"');
    const line = readFileSync(file, 'utf8');
    expect(line).not.toMatch(/Bearer|a\.b\.c|d\.e\.f|g\.h\.i|session=1/);
    expect(line.match(/\[redacted\]/g)).toHaveLength(5);
  });
});
