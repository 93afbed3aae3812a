// DESIGN.md's folder table as rules: imports only point down the table (cli/ may import all).
// `npm test` runs this after vitest, so the layout cannot silently rot.
const allow = {
  core: [],
  transport: ['core'],
  book: ['core'],
  venues: ['core', 'transport', 'book', 'venues'],
  pipeline: ['core', 'venues', 'book', 'pipeline'],
  storage: ['core', 'storage'],
  sinks: ['core', 'storage', 'sinks'],
  replay: ['core', 'venues', 'book', 'storage', 'replay'],
  export: ['core', 'venues', 'book', 'storage', 'replay', 'export'],
  history: ['core', 'transport', 'venues', 'history'],
  serve: ['core', 'pipeline', 'history', 'storage', 'venues', 'serve'],
  sim: ['core', 'sim'],
  deploy: ['core', 'deploy'],
};
const folders = Object.keys(allow);
const forbidden = folders.map((from) => ({
  name: `${from}-imports-down-only`,
  comment: `src/${from}/ may import only: ${['own folder', ...allow[from]].join(', ')} (DESIGN.md folder table)`,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${from}/`, ...allow[from].map((f) => `^src/${f}/`)],
  },
}));
// A venue never imports another venue: shared logic goes to book/ or transport/.
forbidden.push({
  name: 'venue-imports-no-other-venue',
  comment: 'a venue folder must not import another venue folder',
  severity: 'error',
  from: { path: '^src/venues/([^/]+)/' },
  to: { path: '^src/venues/([^/]+)/', pathNot: '^src/venues/$1/' },
});
forbidden.push({
  name: 'no-circular',
  severity: 'error',
  from: {},
  to: { circular: true },
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
