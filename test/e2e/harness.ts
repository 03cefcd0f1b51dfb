/**
 * Drives a real VS Code for the end-to-end suite. By default that is code-server 4.100.3 (VS Code 1.100's own
 * server build, installed offline by scripts/e2e-setup.sh) in Debian's Chromium through playwright-core;
 * with KPR_E2E_TARGET=electron and KPR_E2E_VSCODE_EXECUTABLE it is VS Code desktop (see
 * scripts/test-electron.mjs), driven through the same DOM, so the scenarios are the same code.
 *
 * A session gets a fresh user-data-dir and extensions-dir, installs the extension the way a user gets it
 * (the .vsix from `npm run package` when that script exists, else the built folder unpacked as a .vsix
 * install would lay it out), opens a workspace and waits until the KPR language server says it is ready.
 * Nothing here sleeps for a fixed time: every step waits for a DOM condition or a log line, with a timeout
 * and a message that says what was awaited. Logs and screenshots go to test-results/e2e/<session>/.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { maskForLog } from '../../server/src/privacy';
import {
  READ_CODE_ACTIONS,
  READ_EDITOR_LINE,
  READ_HOVER,
  READ_DIALOG,
  READ_NOTIFICATIONS,
  READ_PROBLEM_ROWS,
  READ_QUICK_INPUT,
  READ_QUICK_PICK,
  READ_TREE_VIEW,
} from './dom';
import { loadPlaywright, PwBrowser, PwElectronApp, PwPage, setupEnv } from './playwright';

export const REPO = path.resolve(__dirname, '../..');
export const RESULTS = path.join(REPO, 'test-results', 'e2e');
export const SCREENSHOTS = path.join(RESULTS, 'screenshots');
export const CODE_SERVER_VERSION = '4.100.3';

/** The line the language server logs once it has initialized (server/src/lsp/kprServer.ts). */
export const SERVER_READY_LINE = 'KPR language server ready';

/** A failure of the harness itself (VS Code or the extension did not come up), with a message for people. */
export class HarnessError extends Error {
  constructor(
    message: string,
    readonly artefacts?: string,
  ) {
    super(message);
    this.name = 'HarnessError';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1' }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9æøå]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'x';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function tail(text: string, lines: number): string {
  const all = text.split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function findFiles(root: string, match: (name: string, full: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (match(e.name, full)) out.push(full);
    }
  };
  walk(root);
  return out.sort();
}

/** `(${script})(${arg})` for page.evaluate / waitForFunction (see dom.ts). */
function call(script: string, arg?: unknown): string {
  return `(${script})(${arg === undefined ? '' : JSON.stringify(arg)})`;
}

/** Waits until `check` returns a value other than undefined; throws `describe()` after `timeoutMs`. */
export async function waitUntil<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, describe: () => string, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// ---------------------------------------------------------------------------------------------------------
// The extension under test
// ---------------------------------------------------------------------------------------------------------

interface Manifest {
  name: string;
  publisher: string;
  version: string;
  scripts?: Record<string, string>;
}

export function manifest(dir = REPO): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

export interface ExtensionPackage {
  /** A .vsix file, or a folder laid out like an installed extension. */
  kind: 'vsix' | 'folder';
  path: string;
  /** `publisher.name`, as VS Code names it. */
  id: string;
  version: string;
  /** How it was made, for the report. */
  how: string;
}

/**
 * What a .vsix carries (see .vscodeignore): the manifest and its translations, the bundles, and the files the
 * extension reads at run time. Maps and sources stay out, as they do in the package.
 */
const PACKAGED_PATHS = ['package.json', 'package.nls.json', 'package.nls.nb.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'schemas', 'docs/rules', 'snippets', 'syntaxes', 'l10n', 'media'];
const PACKAGED_BUNDLES = ['client.js', 'server.js', 'cli.js'];

let built: Promise<ExtensionPackage> | undefined;

/**
 * Builds the extension once per test run: the .vsix when `npm run package` exists (installed with the
 * editor's own --install-extension), else the folder from `node scripts/build.mjs` laid out as an install.
 */
export function buildExtension(): Promise<ExtensionPackage> {
  built ??= (async () => {
    const m = manifest();
    const id = `${m.publisher}.${m.name}`;
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-e2e-ext-'));
    // Every session installs from here until the test run ends.
    process.once('exit', () => fs.rmSync(staging, { recursive: true, force: true }));
    // KPR_E2E_EXTENSION=folder skips the .vsix (quicker while working on the suite itself).
    if (m.scripts?.package && process.env.KPR_E2E_EXTENSION !== 'folder') {
      const before = Date.now();
      let out: string;
      try {
        out = execFileSync('npm', ['run', '--silent', 'package'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string; message: string };
        throw new HarnessError(`npm run package failed, so there is no .vsix to install:\n${tail(`${err.stdout ?? ''}\n${err.stderr ?? err.message}`, 30)}`);
      }
      // The script names its output; otherwise take the newest .vsix it wrote in the repository or dist/.
      const named = /([^\s'"]+\.vsix)\b/.exec(out)?.[1];
      const candidates = [
        ...(named ? [path.resolve(REPO, named)] : []),
        ...[REPO, path.join(REPO, 'dist'), path.join(REPO, 'out')].flatMap((d) => findFiles(d, (n, full) => n.endsWith('.vsix') && path.dirname(full) === d)),
      ].filter((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= before - 1000);
      const vsix = candidates[0];
      if (!vsix) throw new HarnessError(`npm run package ran but wrote no new .vsix (output: ${tail(out, 10)})`);
      const kept = path.join(staging, path.basename(vsix));
      fs.copyFileSync(vsix, kept);
      return { kind: 'vsix', path: kept, id, version: m.version, how: `npm run package → ${path.relative(REPO, vsix)}` };
    }
    execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
    const folder = path.join(staging, `${id}-${m.version}`);
    fs.mkdirSync(path.join(folder, 'dist'), { recursive: true });
    for (const p of PACKAGED_PATHS) {
      const from = path.join(REPO, p);
      if (fs.existsSync(from)) fs.cpSync(from, path.join(folder, p), { recursive: true });
    }
    // Like .vscodeignore: the rule pages and the top-level docs, not docs/images.
    fs.mkdirSync(path.join(folder, 'docs'), { recursive: true });
    for (const md of fs.readdirSync(path.join(REPO, 'docs')).filter((n) => n.endsWith('.md'))) fs.copyFileSync(path.join(REPO, 'docs', md), path.join(folder, 'docs', md));
    for (const b of PACKAGED_BUNDLES) {
      const from = path.join(REPO, 'dist', b);
      if (!fs.existsSync(from)) throw new HarnessError(`node scripts/build.mjs did not write dist/${b}`);
      fs.copyFileSync(from, path.join(folder, 'dist', b));
    }
    return { kind: 'folder', path: folder, id, version: m.version, how: 'node scripts/build.mjs, unpacked as a .vsix install lays it out' };
  })();
  return built;
}

/**
 * A copy of the extension as an unpacked folder that a test may change (e.g. break on purpose). A .vsix is
 * unpacked first (its files sit under `extension/`).
 */
export async function extensionCopy(change: (folder: string) => void): Promise<ExtensionPackage> {
  const pkg = await buildExtension();
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-e2e-ext-copy-'));
  const folder = path.join(staging, `${pkg.id}-${pkg.version}`);
  if (pkg.kind === 'vsix') {
    execFileSync('unzip', ['-q', pkg.path, 'extension/*', '-d', staging]);
    fs.renameSync(path.join(staging, 'extension'), folder);
  } else {
    fs.cpSync(pkg.path, folder, { recursive: true });
  }
  change(folder);
  return { ...pkg, kind: 'folder', path: folder, how: `${pkg.how}, changed copy` };
}

// ---------------------------------------------------------------------------------------------------------
// Where VS Code comes from
// ---------------------------------------------------------------------------------------------------------

export type Target = 'code-server' | 'electron';

export function target(): Target {
  return process.env.KPR_E2E_TARGET === 'electron' ? 'electron' : 'code-server';
}

export function codeServerDir(): string {
  return process.env.KPR_E2E_CODE_SERVER ?? setupEnv().KPR_E2E_CODE_SERVER ?? path.join(os.homedir(), '.cache', 'kpr-e2e', `code-server-${CODE_SERVER_VERSION}`);
}

function chromiumPath(): string {
  return process.env.KPR_E2E_CHROMIUM ?? setupEnv().KPR_E2E_CHROMIUM ?? '/usr/bin/chromium';
}

/** The recipe's flags: no sandbox (root in a container), no GPU, nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Settings every session starts with: no trust prompt, no welcome page, nothing that phones home. */
export const BASE_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'files.autoSave': 'off',
  // code-server offers to forward every port a process opens (the broker, the simulator): not what a test is about.
  'remote.autoForwardPorts': false,
  // A tree scrolled past a file's row shows that row stuck on top instead of in the list, where the
  // Problems panel is read (problems()): the rows below it would be counted under the previous file.
  'workbench.tree.enableStickyScroll': false,
  'kpr.language': 'en',
};

function installVsix(vsix: string, extensionsDir: string, scratch: string): void {
  const cli = process.env.KPR_E2E_VSCODE_CLI ? (JSON.parse(process.env.KPR_E2E_VSCODE_CLI) as string[]) : undefined;
  const [cmd, ...pre] = cli ?? [process.execPath, path.join(codeServerDir(), 'out', 'node', 'entry.js'), '--config', path.join(scratch, 'code-server.yaml'), '--user-data-dir', path.join(scratch, 'install-ud')];
  fs.writeFileSync(path.join(scratch, 'code-server.yaml'), '');
  try {
    execFileSync(cmd, [...pre, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new HarnessError(`installing ${path.basename(vsix)} failed:\n${tail(`${err.stdout ?? ''}\n${err.stderr ?? err.message}`, 20)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// A session
// ---------------------------------------------------------------------------------------------------------

export interface SessionOptions {
  /** Names the artefact folder test-results/e2e/<name>/. */
  name: string;
  /** The folder VS Code opens. */
  workspace: string;
  /** User settings on top of BASE_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Default: buildExtension(). */
  extension?: ExtensionPackage;
  /** Extra environment for VS Code's server (and so the extension host and the language server). */
  env?: Record<string, string | undefined>;
  /** Workspace-relative files opened at start; opening an XML file activates the extension. */
  open?: string[];
  /** How long the language server may take to say it is ready. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface ProblemRow {
  /** Workspace-relative path of the file the problem belongs to. */
  file: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  source: string;
  code: string;
  line: number;
  column: number;
  hasQuickFix: boolean;
}

export interface TreeRow {
  label: string;
  description: string;
  level: number;
  expanded: string | null;
  ariaLabel: string;
}

export interface QuickInputState {
  title: string;
  password: boolean;
  placeholder: string;
  message: string;
  /** The ticked rows of a multi-select pick. */
  checked: string[];
}

export interface Notification {
  message: string;
  source: string;
  severity: 'error' | 'warning' | 'info';
}

interface RawProblemRow {
  index: number;
  last: boolean;
  level: number;
  kind: 'file' | 'related' | 'marker';
  name?: string;
  dir?: string;
  path?: string;
  severity?: ProblemRow['severity'];
  message?: string;
  source?: string;
  code?: string;
  line?: number;
  column?: number;
  hasQuickFix?: boolean;
}

export class VsCodeSession {
  readonly artefacts: string;
  private readonly base: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  private server?: ChildProcess;
  private serverExit?: Promise<number | null>;
  private serverLog = '';
  private browser?: PwBrowser;
  private electron?: PwElectronApp;
  private _page?: PwPage;
  private readonly pageErrors: string[] = [];
  private disposed = false;

  private constructor(readonly options: SessionOptions) {
    this.artefacts = path.join(RESULTS, slug(options.name));
    fs.rmSync(this.artefacts, { recursive: true, force: true });
    fs.mkdirSync(this.artefacts, { recursive: true });
    this.base = fs.mkdtempSync(path.join(os.tmpdir(), `kpr-e2e-${slug(options.name)}-`));
    this.userDataDir = path.join(this.base, 'user-data');
    this.extensionsDir = path.join(this.base, 'extensions');
  }

  get page(): PwPage {
    if (!this._page) throw new Error('the session has no page (not started, or disposed)');
    return this._page;
  }

  get workspace(): string {
    return this.options.workspace;
  }

  /**
   * Starts VS Code with the extension, opens `options.open` and waits until the KPR language server is
   * ready. On failure everything started is stopped and a HarnessError says what went wrong, with the
   * extension's log and where the artefacts are.
   */
  static async start(options: SessionOptions): Promise<VsCodeSession> {
    const s = new VsCodeSession(options);
    try {
      await s.launch();
      for (const f of options.open ?? []) await s.openFile(f);
      if ((options.open ?? []).length > 0) await s.waitForExtension(options.readyTimeoutMs ?? 60_000);
      return s;
    } catch (e) {
      const err = e instanceof HarnessError ? e : new HarnessError(`starting VS Code failed: ${(e as Error).message}`);
      await s.keepArtefacts('start-failed').catch(() => undefined);
      await s.dispose().catch(() => undefined);
      throw new HarnessError(`${err.message}\nArtefacts (screenshot, extension log, ${target()} log): ${s.artefacts}`, s.artefacts);
    }
  }

  private async launch(): Promise<void> {
    fs.mkdirSync(path.join(this.userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(this.extensionsDir, { recursive: true });
    fs.writeFileSync(path.join(this.userDataDir, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...this.options.settings }, null, 2));
    const ext = this.options.extension ?? (await buildExtension());
    if (ext.kind === 'vsix') installVsix(ext.path, this.extensionsDir, this.base);
    else fs.cpSync(ext.path, path.join(this.extensionsDir, `${ext.id}-${ext.version}`), { recursive: true });

    if (target() === 'electron') await this.launchElectron();
    else await this.launchCodeServer();
    const page = this.page;
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => this.pageErrors.push(e.message));
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    // The explorer lists the folder once the workspace is really open (not just the shell drawn).
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
  }

  private async launchCodeServer(): Promise<void> {
    const dir = codeServerDir();
    const entry = path.join(dir, 'out', 'node', 'entry.js');
    if (!fs.existsSync(entry)) throw new HarnessError(`code-server ${CODE_SERVER_VERSION} is not installed in ${dir}. Run: bash scripts/e2e-setup.sh`);
    const port = await freePort();
    const config = path.join(this.base, 'code-server.yaml');
    fs.writeFileSync(config, '');
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.options.env };
    // code-server reads these over its flags; a developer's shell must not change what the test gets.
    for (const k of ['PORT', 'PASSWORD', 'HASHED_PASSWORD', 'GITHUB_TOKEN', 'VSCODE_PROXY_URI', 'CODE_SERVER_CONFIG']) delete env[k];
    const args = [
      entry,
      '--config', config,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--user-data-dir', this.userDataDir,
      '--extensions-dir', this.extensionsDir,
    ];
    const logFile = path.join(this.artefacts, 'code-server.log');
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.server = child;
    this.serverExit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const onData = (b: Buffer) => {
      const text = maskForLog(b.toString('utf8'));
      this.serverLog += text;
      fs.appendFileSync(logFile, text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    let exited: number | null | undefined;
    void this.serverExit.then((c) => (exited = c));
    await waitUntil(
      () => (/HTTP server listening on/.test(this.serverLog) ? true : exited !== undefined ? Promise.reject(new HarnessError(`code-server exited with ${exited} during start-up:\n${tail(this.serverLog, 20)}`)) : undefined),
      60_000,
      () => `code-server did not listen on 127.0.0.1:${port} within 60 s:\n${tail(this.serverLog, 20)}`,
      100,
    );
    const pw = loadPlaywright(REPO).module;
    this.browser = await pw.chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, timeout: 60_000 });
    this._page = await this.browser.newPage({ viewport: { width: 1400, height: 900 } });
    this.page.on('console', (m) => {
      if (m.type() === 'error') fs.appendFileSync(path.join(this.artefacts, 'browser-console.log'), `${m.text()}\n`);
    });
    await this.page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(this.workspace)}`, { timeout: 60_000 });
  }

  private async launchElectron(): Promise<void> {
    const exe = process.env.KPR_E2E_VSCODE_EXECUTABLE;
    if (!exe || !fs.existsSync(exe)) throw new HarnessError(`KPR_E2E_TARGET=electron needs KPR_E2E_VSCODE_EXECUTABLE (got ${exe ?? 'nothing'}); scripts/test-electron.mjs sets it`);
    const pw = loadPlaywright(REPO).module;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...this.options.env })) if (v !== undefined) env[k] = v;
    this.electron = await pw._electron.launch({
      executablePath: exe,
      env,
      timeout: 90_000,
      args: [
        '--no-sandbox',
        '--disable-gpu-sandbox',
        '--disable-updates',
        '--skip-welcome',
        '--skip-release-notes',
        '--disable-workspace-trust',
        `--extensions-dir=${this.extensionsDir}`,
        `--user-data-dir=${this.userDataDir}`,
        '--new-window',
        this.workspace,
      ],
    });
    this._page = await this.electron.firstWindow({ timeout: 90_000 });
  }

  // -------------------------------------------------------------------------------------------------------
  // The extension's own state
  // -------------------------------------------------------------------------------------------------------

  /** The KPR output channel as written to disk by VS Code (the newest session's log). */
  extensionLog(): string {
    const files = findFiles(path.join(this.userDataDir, 'logs'), (n, full) => n === 'KPR.log' && full.includes('kpr-tools.kpr'));
    return files.map(readIfExists).join('\n');
  }

  /** The extension host's log (activation errors land there). */
  extensionHostLog(): string {
    const files = findFiles(path.join(this.userDataDir, 'logs'), (n) => n === 'remoteexthost.log' || n === 'exthost.log');
    return files.map(readIfExists).join('\n');
  }

  /**
   * Waits until the language server logs that it is ready. Fails early, with the reason, when VS Code or the
   * extension says it could not start (activation error, a crashed server, the extension's own message).
   */
  async waitForExtension(timeoutMs: number): Promise<void> {
    const m = manifest();
    const id = `${m.publisher}.${m.name}`;
    const failure = async (): Promise<string | undefined> => {
      const host = this.extensionHostLog();
      const activation = host.split('\n').find((l) => l.includes(id) && /activat\w* .*fail|failed to activate|Activating extension .* failed/i.test(l));
      if (activation) return `VS Code could not activate the extension: ${activation.trim()}`;
      const toasts = await this.notifications().catch(() => [] as Notification[]);
      const toast = toasts.find((n) => /KPR/.test(n.message + n.source) && /could not start|crashed|couldn't start|failed|will not be restarted/i.test(n.message));
      if (toast) return `VS Code says: "${toast.message}"`;
      return undefined;
    };
    let problem: string | undefined;
    try {
      await waitUntil(
        async () => {
          if (this.extensionLog().includes(SERVER_READY_LINE)) return true;
          problem = await failure();
          return problem ? true : undefined;
        },
        timeoutMs,
        () => `the extension did not log "${SERVER_READY_LINE}" within ${Math.round(timeoutMs / 1000)} s`,
        250,
      );
    } catch (e) {
      problem = (e as Error).message;
    }
    if (!problem) return;
    // VS Code may say so before the log file has the server's own error: give the log a moment to catch up.
    await waitUntil(() => (/\[error\]\s*\S/.test(this.extensionLog()) ? true : undefined), 5_000, () => '').catch(() => undefined);
    const log = this.extensionLog();
    // Long lines (a minified source line quoted by Node) are cut, empty error lines dropped, so it stays readable.
    const errors = log
      .split('\n')
      .filter((l) => /\[error\]\s*\S|Error:|Cannot find module|SyntaxError/.test(l))
      .map((l) => (l.length > 200 ? `${l.slice(0, 200)}…` : l));
    throw new HarnessError(
      [
        `The KPR extension did not start in VS Code (${target()}): the language server never became ready.`,
        `Reason: ${problem}`,
        errors.length > 0 ? `Errors in the "KPR" output channel:\n  ${errors.slice(0, 15).map((l) => l.trim()).join('\n  ')}` : `The "KPR" output channel ${log ? `ends with:\n${tail(log, 12)}` : 'is empty (the extension may not have been activated)'}`,
      ].join('\n'),
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // Driving the workbench
  // -------------------------------------------------------------------------------------------------------

  /** Runs one of dom.ts's scripts in the page. */
  private async eval<T>(script: string, arg?: unknown): Promise<T> {
    return (await this.page.evaluate(call(script, arg))) as T;
  }

  private async quickInput(prefix: string, text: string): Promise<void> {
    const page = this.page;
    await page.keyboard.press(prefix === '>' ? 'F1' : 'Control+p');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(prefix === '>' ? `>${text}` : text);
  }

  /**
   * Closes what a previous step may have left open (quick input, code action menu, hover) with Escape, the
   * way a user gets back to the editor, so one failed test does not break the next.
   */
  async resetUi(): Promise<void> {
    const open = `(function () {
      const visible = (sel) => Array.from(document.querySelectorAll(sel)).some((e) => e.offsetParent !== null && getComputedStyle(e).display !== 'none');
      return visible('.quick-input-widget') || visible('.action-widget .monaco-list-row') || visible('.monaco-hover:not(.hidden)') || visible('.context-view .monaco-menu');
    })`;
    for (let i = 0; i < 5 && (await this.eval<boolean>(open)); i++) await this.page.keyboard.press('Escape');
  }

  /** Runs a command from the command palette (F1), choosing the entry whose label is exactly `title`. */
  async runCommand(title: string): Promise<void> {
    await this.quickInput('>', title);
    const picks = await waitUntil(
      async () => {
        const rows = await this.eval<Array<{ label: string }> | null>(READ_QUICK_PICK);
        return rows?.some((r) => r.label === title) ? rows : undefined;
      },
      10_000,
      () => `the command palette has no command "${title}"`,
    ).catch(async (e) => {
      const rows = await this.eval<Array<{ label: string }> | null>(READ_QUICK_PICK);
      await this.page.keyboard.press('Escape');
      throw new Error(`${(e as Error).message} (it shows: ${(rows ?? []).map((r) => r.label).join(' | ') || 'nothing'})`);
    });
    const index = picks.findIndex((r) => r.label === title);
    await this.page.locator('.quick-input-list .monaco-list-row').nth(index).click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  }

  /** Opens a workspace file with Quick Open (Ctrl+P), optionally at a 1-based line and column. */
  async openFile(relPath: string, at?: { line: number; column?: number }): Promise<void> {
    const base = path.basename(relPath);
    const dir = path.dirname(relPath);
    await this.quickInput('', at ? `${relPath}:${at.line}:${at.column ?? 1}` : relPath);
    await waitUntil(
      async () => {
        const rows = await this.eval<Array<{ label: string; description: string }> | null>(READ_QUICK_PICK);
        const first = rows?.[0];
        return first && first.label === base && (dir === '.' || first.description.endsWith(dir)) ? true : undefined;
      },
      15_000,
      () => `Quick Open did not offer ${relPath} first`,
    );
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    await this.page.waitForFunction(
      `(() => { const t = document.querySelector('.editor-group-container.active .tab.active .label-name'); return t && t.textContent.trim() === ${JSON.stringify(base)}; })()`,
      undefined,
      { timeout: 15_000 },
    );
    await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout: 15_000 });
    if (at) await this.waitForCursor(at.line, at.column ?? 1);
  }

  /** Moves the cursor of the active editor with Go to Line (Ctrl+G). */
  async goTo(line: number, column = 1): Promise<void> {
    await this.page.keyboard.press('Control+g');
    const input = this.page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    await this.waitForCursor(line, column);
  }

  private async waitForCursor(line: number, column: number): Promise<void> {
    const want = `Ln ${line}, Col ${column}`;
    await waitUntil(
      async () => {
        const texts = await this.page.locator('.statusbar-item').allInnerTexts();
        return texts.some((t) => t.trim() === want) ? true : undefined;
      },
      10_000,
      () => `the cursor did not reach ${want}`,
    );
  }

  /** The text of a line of the active editor as rendered (the cursor is moved there first). */
  async editorLine(line: number): Promise<string> {
    await this.goTo(line);
    return waitUntil(
      async () => (await this.eval<string | null>(READ_EDITOR_LINE, line)) ?? undefined,
      10_000,
      () => `line ${line} is not rendered in the editor`,
    );
  }

  /** Saves the active editor and waits until its tab is no longer dirty. */
  async save(): Promise<void> {
    await this.page.keyboard.press('Control+s');
    await this.page.waitForFunction(`!document.querySelector('.editor-group-container.active .tab.active.dirty')`, undefined, { timeout: 15_000 });
  }

  /** Shows the Problems panel. */
  async showProblems(): Promise<void> {
    if (await this.page.locator('.markers-panel').isVisible()) return;
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    await this.page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 10_000 });
  }

  /**
   * Every problem in the Problems panel. The panel is a virtual list that renders only what is in view,
   * so the list is scrolled from top to bottom and the rows are collected on the way.
   */
  async problems(): Promise<ProblemRow[]> {
    await this.showProblems();
    const page = this.page;
    const list = page.locator('.markers-panel .monaco-list').first();
    const seen = new Map<number, RawProblemRow>();
    const read = async () => await this.eval<RawProblemRow[]>(READ_PROBLEM_ROWS);
    let rows = await read();
    if (rows.length > 0) {
      const box = await list.boundingBox();
      if (box) {
        // Over the rows' left margin: in the middle of a row a long message gets a hover tooltip, which then
        // takes the wheel instead of the list (seen with the long messages of a large file's findings).
        await page.mouse.move(box.x + 6, box.y + box.height / 2);
        await page.mouse.wheel(0, -1e6);
        await waitUntil(async () => ((rows = await read()).some((r) => r.index === 0) ? true : undefined), 5_000, () => 'the Problems list did not scroll to the top');
        for (let guard = 0; guard < 200; guard++) {
          for (const r of rows) seen.set(r.index, r);
          if (rows.some((r) => r.last)) break;
          const maxBefore = Math.max(...rows.map((r) => r.index));
          await page.mouse.wheel(0, Math.max(22, box.height - 44));
          await waitUntil(async () => (Math.max(...(rows = await read()).map((r) => r.index)) > maxBefore ? true : undefined), 5_000, () => 'the Problems list did not scroll');
        }
      }
    }
    const out: ProblemRow[] = [];
    let file = '';
    for (const r of [...seen.values()].sort((a, b) => a.index - b.index)) {
      if (r.kind === 'file') {
        const full = r.path ?? '';
        file = full.startsWith(this.workspace + '/') ? full.slice(this.workspace.length + 1) : r.dir ? `${r.dir}/${r.name}` : r.name ?? '';
      } else if (r.kind === 'marker') {
        out.push({ file, severity: r.severity!, message: r.message!, source: r.source!, code: r.code!, line: r.line!, column: r.column!, hasQuickFix: r.hasQuickFix! });
      }
    }
    return out;
  }

  /** Waits until the problems satisfy `ok` (e.g. after an edit, a save or a setting change). */
  async waitForProblems(ok: (rows: ProblemRow[]) => boolean, what: string, timeoutMs = 30_000): Promise<ProblemRow[]> {
    let last: ProblemRow[] = [];
    return waitUntil(
      async () => {
        last = await this.problems();
        return ok(last) ? last : undefined;
      },
      timeoutMs,
      () => `the Problems panel did not show ${what} within ${timeoutMs / 1000} s; it shows:\n${last.map((p) => `  ${p.file}:${p.line}:${p.column} ${p.severity} ${p.code}: ${p.message}`).join('\n') || '  nothing'}`,
      300,
    );
  }

  /**
   * Shows the hover at a position of the active editor (Ctrl+K Ctrl+I) and returns its text once it matches
   * `until`: the hover fills in piece by piece (the problem first, the language server's part when it answers).
   */
  async hover(line: number, column: number, until: RegExp = /\S/): Promise<string> {
    await this.goTo(line, column);
    await this.page.keyboard.press('Control+k');
    await this.page.keyboard.press('Control+i');
    let last: string | null = null;
    return waitUntil(
      async () => {
        last = await this.eval<string | null>(READ_HOVER);
        return last !== null && until.test(last) ? last : undefined;
      },
      15_000,
      () => `the hover at line ${line}, column ${column} did not show ${until} within 15 s; it shows: ${last === null ? 'no hover' : JSON.stringify(last)}`,
    );
  }

  async closeHover(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.waitForFunction(`${call(READ_HOVER)} === null`, undefined, { timeout: 10_000 });
  }

  /** Opens the code action menu (Ctrl+.) at a position and returns its titles; the menu stays open. */
  async codeActions(line: number, column: number): Promise<Array<{ title: string; disabled: boolean }>> {
    await this.goTo(line, column);
    await this.page.keyboard.press('Control+.');
    return waitUntil(
      async () => {
        const rows = await this.eval<Array<{ title: string; disabled: boolean }>>(READ_CODE_ACTIONS);
        return rows.length > 0 ? rows : undefined;
      },
      10_000,
      () => `no code actions were offered at line ${line}, column ${column}`,
    );
  }

  /**
   * Applies the quick fix whose title matches, from the Ctrl+. menu at a position of the active editor. The
   * menu is driven with the keyboard, as a user would: a pointer click can land on the menu's overlay.
   */
  async applyQuickFix(line: number, column: number, title: string | RegExp): Promise<string> {
    const matches = (t: string) => (typeof title === 'string' ? t === title : title.test(t));
    const actions = await this.codeActions(line, column);
    const wanted = actions.find((a) => matches(a.title));
    if (!wanted) {
      await this.page.keyboard.press('Escape');
      throw new Error(`no quick fix ${String(title)} at line ${line}, column ${column}; offered: ${actions.map((a) => a.title).join(' | ')}`);
    }
    const focused = () => this.eval<string | null>(`(function () { const r = document.querySelector('.action-widget .monaco-list-row.action.focused .title'); return r ? r.textContent.trim() : null; })`);
    for (let step = 0; step <= actions.length; step++) {
      const now = await waitUntil(async () => (await focused()) ?? undefined, 5_000, () => 'the quick fix menu has no focused entry');
      if (now === wanted.title) break;
      await this.page.keyboard.press('ArrowDown');
      await waitUntil(async () => ((await focused()) !== now ? true : undefined), 5_000, () => 'ArrowDown did not move in the quick fix menu');
    }
    await this.page.keyboard.press('Enter');
    await this.page.locator('.action-widget .monaco-list-row.action').first().waitFor({ state: 'detached', timeout: 10_000 });
    return wanted.title;
  }

  /** The open quick input (a pick or an input box), or null. */
  async quickInputState(): Promise<QuickInputState | null> {
    return this.eval<QuickInputState | null>(READ_QUICK_INPUT);
  }

  /** Types into the input box whose title matches (e.g. a password prompt) and presses Enter. */
  async answerInputBox(title: string | RegExp, value: string): Promise<void> {
    const matches = (t: string) => (typeof title === 'string' ? t === title : title.test(t));
    await waitUntil(
      async () => {
        const q = await this.quickInputState();
        return q && matches(q.title) ? true : undefined;
      },
      30_000,
      () => `no input box titled ${String(title)} appeared`,
    );
    await this.page.locator('.quick-input-widget input.input').fill(value);
    await this.page.keyboard.press('Enter');
    await waitUntil(
      async () => {
        const q = await this.quickInputState();
        return !q || !matches(q.title) ? true : undefined;
      },
      15_000,
      () => `the input box ${String(title)} did not take the answer`,
    );
  }

  /**
   * Chooses a file in VS Code's own open dialog (in the browser it is a quick input with a path box and an
   * OK button labelled `button`): types the path, then presses the button.
   */
  async chooseFile(title: string | RegExp, file: string, button: string): Promise<void> {
    const matches = (t: string) => (typeof title === 'string' ? t === title : title.test(t));
    await waitUntil(
      async () => {
        const q = await this.quickInputState();
        return q && matches(q.title) ? true : undefined;
      },
      30_000,
      () => `no file dialog titled ${String(title)} appeared`,
    );
    await this.page.locator('.quick-input-widget input.input').fill(file);
    await this.page.locator('.quick-input-widget .monaco-button').filter({ hasText: new RegExp(`^${escapeRegExp(button)}$`) }).first().click();
    await waitUntil(
      async () => {
        const q = await this.quickInputState();
        return !q || !matches(q.title) ? true : undefined;
      },
      15_000,
      () => `the file dialog ${String(title)} did not take ${file}`,
    );
  }

  /** Accepts the open pick whose title matches (Enter), returning the rows that were ticked. */
  async acceptQuickPick(title: string | RegExp): Promise<string[]> {
    const matches = (t: string) => (typeof title === 'string' ? t === title : title.test(t));
    const q = await waitUntil(
      async () => {
        const s = await this.quickInputState();
        return s && matches(s.title) ? s : undefined;
      },
      30_000,
      () => `no pick titled ${String(title)} appeared`,
    );
    await this.page.keyboard.press('Enter');
    // The next prompt may reuse the widget at once, so "gone" means: hidden, or showing something else.
    await waitUntil(
      async () => {
        const now = await this.quickInputState();
        return !now || !matches(now.title) ? true : undefined;
      },
      15_000,
      () => `the pick ${String(title)} did not close`,
    );
    return q.checked;
  }

  /** The open modal dialog, or null. */
  async dialog(): Promise<{ message: string; detail: string; buttons: string[] } | null> {
    return this.eval<{ message: string; detail: string; buttons: string[] } | null>(READ_DIALOG);
  }

  /** Waits for a modal dialog, presses the button with this label, and returns what the dialog said. */
  async answerDialog(button: string): Promise<{ message: string; detail: string; buttons: string[] }> {
    const d = await waitUntil(async () => (await this.dialog()) ?? undefined, 30_000, () => 'no dialog appeared');
    if (!d.buttons.includes(button)) throw new Error(`the dialog "${d.message}" has no button "${button}" (it has: ${d.buttons.join(', ')})`);
    await this.page.locator('.monaco-dialog-box .dialog-buttons .monaco-button').filter({ hasText: new RegExp(`^${escapeRegExp(button)}$`) }).first().click();
    await this.page.locator('.monaco-dialog-box').waitFor({ state: 'detached', timeout: 10_000 });
    return d;
  }

  /** Waits for a notification whose message matches and returns it. */
  async waitForNotification(match: RegExp, timeoutMs = 60_000): Promise<Notification> {
    let last: Notification[] = [];
    return waitUntil(
      async () => {
        last = await this.notifications();
        return last.find((n) => match.test(n.message));
      },
      timeoutMs,
      () => `no notification matching ${match} within ${timeoutMs / 1000} s; shown: ${last.map((n) => JSON.stringify(n.message)).join(', ') || 'none'}`,
      250,
    );
  }

  /** Notifications shown as toasts, listed in the notification centre (open it first), or both. */
  async notifications(where: 'toasts' | 'center' | 'all' = 'all'): Promise<Notification[]> {
    return await this.eval<Notification[]>(READ_NOTIFICATIONS, where);
  }

  /** Opens a view by its name through Quick Open's "view" access (what "View: Open View…" does). */
  async openView(name: string): Promise<void> {
    await this.quickInput('', `view ${name}`);
    const rows = await waitUntil(
      async () => {
        const r = await this.eval<Array<{ label: string }> | null>(READ_QUICK_PICK);
        return r?.some((x) => x.label === name) ? r : undefined;
      },
      10_000,
      () => `there is no view named "${name}"`,
    ).catch(async (e) => {
      await this.page.keyboard.press('Escape');
      throw e;
    });
    await this.page.locator('.quick-input-list .monaco-list-row').nth(rows.findIndex((x) => x.label === name)).click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** Drags the side bar's edge so it is `width` pixels wide (the tree's descriptions then fit in a screenshot). */
  async resizeSideBar(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').first().boundingBox();
    if (!box) throw new Error('the side bar is not shown');
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width - 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 5 });
    await this.page.mouse.up();
    // Park the pointer on the empty lower part of the side bar, so no tooltip shows in the screenshots.
    await this.page.mouse.move(box.x + width / 2, box.y + box.height - 20);
    await waitUntil(
      async () => {
        const now = await this.page.locator('.part.sidebar').first().boundingBox();
        return now && Math.abs(now.width - width) < 30 ? true : undefined;
      },
      5_000,
      () => `the side bar did not become ${width} px wide`,
    );
  }

  /** The rendered rows of a tree view (e.g. the KPR side panel), by the view's title; null when not shown. */
  async treeView(title: string): Promise<{ rows: TreeRow[]; welcome: string } | null> {
    const r = await this.eval<{ rows: TreeRow[]; welcome: string } | null>(READ_TREE_VIEW, title);
    return r;
  }

  /** Expands the first rendered row of a tree view that matches, with a click on its twistie. */
  async expandTreeRow(title: string, match: (row: TreeRow & { index: number }) => boolean): Promise<void> {
    const view = await this.eval<{ rows: Array<TreeRow & { index: number }> } | null>(READ_TREE_VIEW, title);
    const row = view?.rows.find(match);
    if (!row) throw new Error(`the "${title}" view has no such row; it shows: ${(view?.rows ?? []).map((r) => r.label).join(' | ') || 'nothing'}`);
    if (row.expanded === 'true') return;
    await this.page.locator(`[data-kpr-e2e-pane="1"] .monaco-list-row[data-index="${row.index}"] .monaco-tl-twistie`).click();
    await waitUntil(
      async () => {
        const v = await this.eval<{ rows: Array<TreeRow & { index: number }> } | null>(READ_TREE_VIEW, title);
        return v?.rows.find((r) => r.index === row.index)?.expanded === 'true' ? true : undefined;
      },
      10_000,
      () => `the row "${row.label}" did not expand`,
    );
  }

  /** Waits until a tree view's rows satisfy `ok`. */
  async waitForTree(title: string, ok: (rows: TreeRow[]) => boolean, what: string, timeoutMs = 60_000): Promise<TreeRow[]> {
    let last: TreeRow[] = [];
    return waitUntil(
      async () => {
        const t = await this.treeView(title);
        last = t?.rows ?? [];
        return t && ok(t.rows) ? t.rows : undefined;
      },
      timeoutMs,
      () => `the "${title}" view did not show ${what} within ${timeoutMs / 1000} s; it shows:\n${last.map((r) => `  ${'  '.repeat(Math.max(0, r.level - 1))}${r.label} ${r.description}`).join('\n') || '  nothing'}`,
      300,
    );
  }

  /**
   * Sets an enum setting through the Settings editor, as a user does (VS Code in the browser does not pick up
   * an outside write to settings.json), then closes the editor again.
   */
  async setSetting(key: string, value: string): Promise<void> {
    await this.runCommand('Preferences: Open Settings (UI)');
    const editor = this.page.locator('.settings-editor');
    await editor.waitFor({ state: 'visible', timeout: 15_000 });
    // The editor opens with the focus in its search box.
    await this.page.locator('.settings-editor .settings-header .monaco-editor.focused').first().waitFor({ state: 'visible', timeout: 10_000 });
    await this.page.keyboard.press('Control+a');
    await this.page.keyboard.type(`@id:${key}`);
    const select = this.page.locator(`.settings-editor .setting-item-contents[data-key="${key}"] select`).first();
    await select.waitFor({ state: 'visible', timeout: 15_000 });
    const exactly = new RegExp(`^${escapeRegExp(value)}$`);
    const option = this.page.locator('.monaco-select-box-dropdown-container.visible .monaco-list-row').filter({ has: this.page.locator('.option-text').filter({ hasText: exactly }) });
    const current = () => this.eval<string | null>(`(function (k) { const s = document.querySelector('.settings-editor .setting-item-contents[data-key="' + k + '"] select'); return s ? s.value : null; })`, key);
    // A click on the option can land while the dropdown is still animating open and be lost (seen once on
    // a loaded machine): choose again, a few times, until the editor shows the value.
    for (let attempt = 1; ; attempt++) {
      await select.click();
      await option.first().click();
      await this.page.locator('.monaco-select-box-dropdown-container.visible').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      const took = await waitUntil(async () => ((await current()) === value ? true : undefined), 4_000, () => '').then(
        () => true,
        () => false,
      );
      if (took) break;
      if (attempt === 3) throw new HarnessError(`the Settings editor did not take ${key} = ${value} (shows ${await current()})`);
      await this.page.keyboard.press('Escape');
    }
    await this.runCommand('View: Close Editor');
    await editor.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** Saves a screenshot as test-results/e2e/screenshots/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  // -------------------------------------------------------------------------------------------------------
  // Artefacts and shutdown
  // -------------------------------------------------------------------------------------------------------

  /** Copies VS Code's logs (the KPR channel among them) into the artefact folder. */
  private copyLogs(): void {
    const logs = path.join(this.userDataDir, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(this.artefacts, 'vscode-logs'), { recursive: true });
    const kpr = this.extensionLog();
    if (kpr) fs.writeFileSync(path.join(this.artefacts, 'KPR.log'), kpr);
    if (this.pageErrors.length > 0) fs.writeFileSync(path.join(this.artefacts, 'page-errors.log'), this.pageErrors.join('\n') + '\n');
  }

  /** Keeps a screenshot and the logs for a failed step; returns the artefact folder. */
  async keepArtefacts(label: string): Promise<string> {
    const dir = path.join(this.artefacts, 'failures');
    fs.mkdirSync(dir, { recursive: true });
    if (this._page && !this._page.isClosed()) {
      await this._page.screenshot({ path: path.join(dir, `${slug(label)}.png`) }).catch(() => undefined);
    }
    this.copyLogs();
    return this.artefacts;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      this.copyLogs();
    } catch {
      /* best effort: the folder may be gone */
    }
    await this.browser?.close().catch(() => undefined);
    await this.electron?.close().catch(() => undefined);
    const server = this.server;
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const stopped = await Promise.race([this.serverExit!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!stopped) server.kill('SIGKILL');
    }
    fs.rmSync(this.base, { recursive: true, force: true });
  }
}

/**
 * Mocha hooks for a suite that shares one session: starts it before the first test, keeps a screenshot and
 * the logs of every failed test (and prints where), stops it after the last. Returns a getter.
 */
export function useSession(options: () => SessionOptions | Promise<SessionOptions>): () => VsCodeSession {
  let session: VsCodeSession | undefined;
  before(async function () {
    this.timeout(300_000);
    session = await VsCodeSession.start(await options());
  });
  beforeEach(async function () {
    await session?.resetUi();
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !session) return;
    const dir = await session.keepArtefacts(this.currentTest.fullTitle());
    const kpr = session.extensionLog();
    console.log(`\n    e2e artefacts for "${this.currentTest.title}": ${dir}\n    (failures/*.png, KPR.log, code-server.log, vscode-logs/)`);
    if (kpr) console.log(`    last lines of the KPR log:\n${tail(kpr, 8).replace(/^/gm, '      ')}`);
  });
  after(async function () {
    this.timeout(60_000);
    await session?.dispose();
  });
  return () => {
    if (!session) throw new Error('the VS Code session did not start');
    return session;
  };
}
