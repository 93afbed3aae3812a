// Where the shared fixtures live: `shared/` sits beside the repository (here and in CI's fresh
// clone alike), so the path is found from this file, never hard-coded.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../shared/fixtures', import.meta.url));

if (!existsSync(FIXTURES)) {
  throw new Error(`shared fixtures not found at ${FIXTURES}: shared/ must sit beside the repository`);
}
