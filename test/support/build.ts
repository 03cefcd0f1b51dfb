/** Builds the bundles once per test run, so tests exercise what ships (dist/*.js), not the sources. */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
let built = false;

export function ensureBuilt(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(REPO, 'scripts/build.mjs')], { cwd: REPO, stdio: 'inherit' });
  built = true;
}
