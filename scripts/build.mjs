// Bundles the extension client, the language server and the `kpr` command line with esbuild.
// One bundle per entry point keeps the .vsix small and startup fast.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  define: { __KPR_VERSION__: JSON.stringify(pkg.version) },
};

// `kpr check` must start fast, so the command line is two bundles: dist/cli.js (the entry and `check`)
// and dist/cli-send.js (the sending commands, with node-forge, xmlbuilder2 and rhea), which main.ts
// loads with require('./sending') only when a sending command runs. The tests run the TypeScript, where
// that require finds sending.ts itself.
const SENDING_MODULE = fileURLToPath(new URL('../server/src/cli/sending.ts', import.meta.url));
const sendingApart = {
  name: 'kpr-sending-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/sending$/ }, (args) =>
      path.resolve(args.resolveDir, 'sending.ts') === SENDING_MODULE ? { path: './cli-send.js', external: true } : undefined,
    );
  },
};

const builds = [
  { ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
  { ...common, entryPoints: ['server/src/lsp/server.ts'], outfile: 'dist/server.js' },
  // The worker thread that reads the second half of a large file (server/src/analysis/split.ts).
  { ...common, entryPoints: ['server/src/analysis/splitWorker.ts'], outfile: 'dist/checkWorker.js' },
  {
    ...common,
    entryPoints: ['server/src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [sendingApart],
  },
  { ...common, entryPoints: ['server/src/cli/sending.ts'], outfile: 'dist/cli-send.js' },
];

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
