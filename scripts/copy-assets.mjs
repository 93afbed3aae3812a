// Part of `npm run build`: copies the files tsc does not emit beside the compiled code, so
// `npm ci && npm start` finds them in dist/: the dashboard's static files (src/serve/dashboard/:
// HTML, CSS, browser JS) and the PostgreSQL DDL (src/sinks/postgres/schema.sql).
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = (p) => fileURLToPath(new URL(`../src/${p}`, import.meta.url));
const dist = (p) => fileURLToPath(new URL(`../dist/${p}`, import.meta.url));

const from = src('serve/dashboard/');
const to = dist('serve/dashboard/');
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
if (existsSync(from)) cpSync(from, to, { recursive: true, filter: (p) => !p.endsWith('.ts') });

for (const file of ['sinks/postgres/schema.sql']) {
  mkdirSync(dirname(dist(file)), { recursive: true });
  copyFileSync(src(file), dist(file));
}
