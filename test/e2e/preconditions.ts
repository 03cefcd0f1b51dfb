/**
 * Features other parts of the project are still adding. A scenario that needs one of them asks here first;
 * while the feature is missing it is reported as pending (mocha's skip) with the reason, never as passed.
 * Each check reads what ships (the manifest and its translations, the built command line), not a flag.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './harness';

interface Contributes {
  languages?: Array<{ id: string; extensions?: string[] }>;
  commands?: Array<{ command: string; title: string; category?: string }>;
  views?: Record<string, Array<{ id: string; name: string }>>;
  viewsContainers?: Record<string, Array<{ id: string; title: string }>>;
}

function contributes(): Contributes {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { contributes?: Contributes };
  return pkg.contributes ?? {};
}

/** `%key%` → the English text from package.nls.json, as VS Code shows it with an English display language. */
export function nls(value: string): string {
  const m = /^%(.+)%$/.exec(value);
  if (!m) return value;
  const table = JSON.parse(fs.readFileSync(path.join(REPO, 'package.nls.json'), 'utf8')) as Record<string, string>;
  return table[m[1]] ?? value;
}

/** The command palette's label of a contributed command: "Category: Title". */
export function commandLabel(c: { title: string; category?: string }): string {
  return c.category ? `${nls(c.category)}: ${nls(c.title)}` : nls(c.title);
}

/** Finds a contributed command by its palette label; undefined when the extension has none. */
export function contributedCommand(label: string): { command: string; label: string } | undefined {
  const c = (contributes().commands ?? []).find((x) => commandLabel(x) === label);
  return c ? { command: c.command, label } : undefined;
}

/** Why the mapping-file scenario cannot run yet, or undefined when `.kprmap` files are checked in the editor. */
export function mappingLanguage(): string | undefined {
  const lang = (contributes().languages ?? []).find((l) => (l.extensions ?? []).some((e) => e.toLowerCase() === '.kprmap'));
  if (!lang) return 'the extension contributes no language for .kprmap files yet (package.json contributes.languages)';
  const client = fs.readFileSync(path.join(REPO, 'client', 'src', 'languageClient.ts'), 'utf8');
  if (!client.includes(lang.id) && !/kprmap/i.test(client)) {
    return `the language client does not send "${lang.id}" documents to the server yet (client/src/languageClient.ts)`;
  }
  return undefined;
}

/** The commands and view the submission scenarios use (titles as documented for «VS Code experience»). */
export const SUBMIT_LOCAL = 'KPR: Submit to Local Receiver';

/** Why the submission scenarios cannot run yet, or undefined. */
export function submissionInEditor(): string | undefined {
  if (!contributedCommand(SUBMIT_LOCAL)) return `the extension has no command "${SUBMIT_LOCAL}" yet (package.json contributes.commands)`;
  const views = Object.values(contributes().views ?? {}).flat();
  if (views.length === 0) return 'the extension contributes no KPR side panel view yet (package.json contributes.views)';
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'simulate', '--help'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return `the built command line has no working "kpr simulate" (exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0]})`;
  return undefined;
}

/** The views the extension contributes, with their names as shown. */
export function contributedViews(): Array<{ id: string; name: string; container: string }> {
  return Object.entries(contributes().views ?? {}).flatMap(([container, list]) => list.map((v) => ({ id: v.id, name: nls(v.name), container })));
}
