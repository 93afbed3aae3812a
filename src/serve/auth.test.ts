import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TokenCheck } from './auth.js';

const req = (authorization?: string): IncomingMessage => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;
const q = (s = ''): URLSearchParams => new URLSearchParams(s);

describe('TokenCheck', () => {
  it('is open without a token', () => {
    expect(new TokenCheck('').check(req(), q())).toBeUndefined();
  });

  it('takes a Bearer header or ?token=, and nothing else', () => {
    const t = new TokenCheck('s3cret');
    expect(t.check(req('Bearer s3cret'), q())).toBeUndefined();
    expect(t.check(req('bearer s3cret'), q())).toBeUndefined();
    expect(t.check(req(), q('token=s3cret'))).toBeUndefined();
    expect(t.check(req(), q())).toMatch(/token is required/);
    expect(t.check(req('Bearer s3cre'), q())).toBe('wrong token');
    expect(t.check(req('Bearer s3cret2'), q())).toBe('wrong token');
    expect(t.check(req(), q('token='))).toBe('wrong token');
    expect(t.check(req('Basic czNjcmV0'), q())).toMatch(/token is required/);
  });
});
