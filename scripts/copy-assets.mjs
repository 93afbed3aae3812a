// Part of `npm run build`: copies the dashboard's static files (src/serve/dashboard/: HTML, CSS,
// browser JS) beside the compiled server, so `npm ci && npm start` serves them from dist/.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../src/serve/dashboard/', import.meta.url));
const to = fileURLToPath(new URL('../dist/serve/dashboard/', import.meta.url));
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
if (existsSync(from)) cpSync(from, to, { recursive: true, filter: (p) => !p.endsWith('.ts') });
