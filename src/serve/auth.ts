// --serve-token: every request and socket carries `Authorization: Bearer <token>` or `?token=`.
// Compared in constant time; no token configured = open (the server binds 127.0.0.1 by default).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export class TokenCheck {
  private readonly want: Buffer | undefined;

  constructor(token: string) {
    this.want = token === '' ? undefined : digest(token);
  }

  get required(): boolean {
    return this.want !== undefined;
  }

  /** Undefined when allowed; else the one line to answer with (401). */
  check(req: IncomingMessage, query: URLSearchParams): string | undefined {
    if (this.want === undefined) return undefined;
    const header = req.headers.authorization;
    let got: string | undefined;
    if (typeof header === 'string' && /^Bearer /i.test(header)) got = header.slice(7).trim();
    else got = query.get('token') ?? undefined;
    if (got === undefined) return 'a token is required: send Authorization: Bearer <token> or ?token=<token>';
    // hashing first makes the comparison constant-time whatever the lengths
    return timingSafeEqual(digest(got), this.want) ? undefined : 'wrong token';
  }
}
