#!/usr/bin/env node
// `npm run test:electron`: the end-to-end scenarios of test/e2e/ in VS Code desktop (Electron) instead of
// code-server, where VS Code can be downloaded. @vscode/test-electron (2.5.x, which runs on Node 20) downloads
// VS Code 1.100 — the version the code-server suite uses — and playwright-core drives its window through the
// same DOM helpers (test/e2e/harness.ts with KPR_E2E_TARGET=electron), so the scenarios are the same code.
//
// Without internet it says that it did not run, and why, and exits 0: it never pretends to have run.
// Extra arguments go to mocha (e.g. --grep quick).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VSCODE_VERSION = '1.100.3';
const UPDATE_SERVER = 'https://update.code.visualstudio.com/api/releases/stable';
const require = createRequire(path.join(REPO, 'package.json'));

function didNotRun(why) {
  console.log(`test:electron did not run: ${why}`);
  console.log('The same scenarios run in a real VS Code 1.100 (code-server) with: npm run test:e2e');
  process.exit(0);
}

function cannotRun(why) {
  console.error(`test:electron cannot run: ${why}`);
  process.exit(1);
}

/** Whether VS Code's update server answers within 5 s (the download comes from there). */
async function canReachUpdateServer() {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  try {
    const res = await fetch(UPDATE_SERVER, { signal: controller.signal, redirect: 'follow' });
    return res.ok ? { ok: true } : { ok: false, why: `${UPDATE_SERVER} answered HTTP ${res.status}` };
  } catch (e) {
    const cause = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(e);
    return { ok: false, why: controller.signal.aborted ? `${UPDATE_SERVER} did not answer within 5 s` : `${UPDATE_SERVER} is not reachable (${cause})` };
  } finally {
    clearTimeout(timer);
  }
}

const reach = await canReachUpdateServer();
if (!reach.ok) didNotRun(`VS Code desktop cannot be downloaded here: ${reach.why}.`);

let testElectron;
try {
  testElectron = require('@vscode/test-electron');
} catch {
  cannotRun('@vscode/test-electron is not installed: add it as a devDependency (npm install --save-dev @vscode/test-electron@2.5).');
}
const hasPlaywright = existsSync(path.join(REPO, 'node_modules', 'playwright-core')) || spawnSync('bash', [path.join(REPO, 'scripts', 'e2e-setup.sh')], { stdio: 'inherit' }).status === 0;
if (!hasPlaywright) cannotRun('playwright-core is missing and scripts/e2e-setup.sh could not install it.');

console.log(`test:electron: downloading VS Code ${VSCODE_VERSION} (cached in .vscode-test/ after the first time)`);
const executable = await testElectron.downloadAndUnzipVSCode(VSCODE_VERSION);
// The harness installs the .vsix with this CLI into each session's own --extensions-dir.
const [cli, ...cliArgs] = testElectron.resolveCliArgsFromVSCodeExecutablePath(executable, { reuseMachineInstall: true });

// Electron needs a display; on a headless Linux machine xvfb-run provides one.
const mocha = [path.join(REPO, 'node_modules', '.bin', 'mocha'), '--config', '.mocharc.json', '--timeout', '300000', '--slow', '60000', 'test/e2e/**/*.test.ts', ...process.argv.slice(2)];
let command = mocha;
if (process.platform === 'linux' && !process.env.DISPLAY) {
  if (spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status !== 0) {
    cannotRun('there is no display ($DISPLAY is empty) and no xvfb-run to make one (apt-get install xvfb).');
  }
  command = ['xvfb-run', '-a', ...mocha];
}
const run = spawnSync(command[0], command.slice(1), {
  cwd: REPO,
  stdio: 'inherit',
  env: {
    ...process.env,
    KPR_E2E_TARGET: 'electron',
    KPR_E2E_VSCODE_EXECUTABLE: executable,
    KPR_E2E_VSCODE_CLI: JSON.stringify([cli, ...cliArgs]),
  },
});
process.exit(run.status ?? 1);
