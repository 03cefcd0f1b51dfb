/**
 * Loads playwright-core without making it a hard dependency of the type check: it is resolved at run time
 * from the project's node_modules when it is a devDependency there, else from the cache scripts/e2e-setup.sh
 * fills (its path is in <cache>/env as KPR_E2E_PLAYWRIGHT). The interfaces below are the small part of
 * Playwright's API the harness uses, written out so `tsc` passes whether or not the package is installed.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PwBoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PwLocator {
  first(): PwLocator;
  last(): PwLocator;
  nth(index: number): PwLocator;
  locator(selector: string): PwLocator;
  filter(options: { hasText?: string | RegExp; has?: PwLocator }): PwLocator;
  waitFor(options?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  click(options?: { timeout?: number; button?: 'left' | 'right' }): Promise<void>;
  fill(value: string, options?: { timeout?: number }): Promise<void>;
  press(key: string, options?: { timeout?: number }): Promise<void>;
  inputValue(options?: { timeout?: number }): Promise<string>;
  innerText(options?: { timeout?: number }): Promise<string>;
  textContent(options?: { timeout?: number }): Promise<string | null>;
  getAttribute(name: string, options?: { timeout?: number }): Promise<string | null>;
  count(): Promise<number>;
  isVisible(): Promise<boolean>;
  boundingBox(): Promise<PwBoundingBox | null>;
  hover(options?: { timeout?: number }): Promise<void>;
  allInnerTexts(): Promise<string[]>;
}

export interface PwKeyboard {
  press(key: string): Promise<void>;
  type(text: string): Promise<void>;
}

export interface PwMouse {
  move(x: number, y: number, options?: { steps?: number }): Promise<void>;
  down(): Promise<void>;
  up(): Promise<void>;
  wheel(deltaX: number, deltaY: number): Promise<void>;
}

export interface PwConsoleMessage {
  type(): string;
  text(): string;
}

export interface PwPage {
  goto(url: string, options?: { timeout?: number; waitUntil?: 'load' | 'domcontentloaded' | 'commit' }): Promise<unknown>;
  locator(selector: string): PwLocator;
  waitForSelector(selector: string, options?: { timeout?: number; state?: 'attached' | 'detached' | 'visible' | 'hidden' }): Promise<unknown>;
  /** Waits until the expression (evaluated in the page) is truthy. */
  waitForFunction(expression: string, arg?: undefined, options?: { timeout?: number; polling?: number | 'raf' }): Promise<unknown>;
  /** Evaluates an expression in the page (see dom.ts for why expressions, not functions). */
  evaluate(expression: string): Promise<unknown>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<Buffer>;
  keyboard: PwKeyboard;
  mouse: PwMouse;
  on(event: 'console', listener: (m: PwConsoleMessage) => void): void;
  on(event: 'pageerror', listener: (e: Error) => void): void;
  on(event: 'close', listener: () => void): void;
  setDefaultTimeout(ms: number): void;
  isClosed(): boolean;
}

export interface PwBrowser {
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<PwPage>;
  close(): Promise<void>;
}

export interface PwElectronApp {
  firstWindow(options?: { timeout?: number }): Promise<PwPage>;
  close(): Promise<void>;
  process(): { pid?: number };
}

export interface Playwright {
  chromium: {
    launch(options: { executablePath: string; args: string[]; headless?: boolean; timeout?: number }): Promise<PwBrowser>;
  };
  _electron: {
    launch(options: { executablePath: string; args: string[]; env?: Record<string, string>; timeout?: number }): Promise<PwElectronApp>;
  };
  version?: string;
}

/** The cache scripts/e2e-setup.sh writes to (same default, same override). */
export function e2eCacheDir(): string {
  return process.env.KPR_E2E_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'kpr-e2e');
}

/** KEY=VALUE lines of <cache>/env, written by scripts/e2e-setup.sh; {} when setup has not run. */
export function setupEnv(): Record<string, string> {
  try {
    const out: Record<string, string> = {};
    for (const line of fs.readFileSync(path.join(e2eCacheDir(), 'env'), 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return out;
  } catch {
    return {};
  }
}

let loaded: { module: Playwright; from: string } | undefined;

export function loadPlaywright(repo: string): { module: Playwright; from: string } {
  if (loaded) return loaded;
  const candidates = [
    path.join(repo, 'node_modules', 'playwright-core'),
    process.env.KPR_E2E_PLAYWRIGHT,
    setupEnv().KPR_E2E_PLAYWRIGHT,
  ].filter((c): c is string => Boolean(c));
  for (const dir of candidates) {
    if (!fs.existsSync(path.join(dir, 'package.json'))) continue;
    const req = createRequire(path.join(dir, 'package.json'));
    loaded = { module: req(dir) as Playwright, from: dir };
    return loaded;
  }
  throw new Error(
    `playwright-core is not installed (looked in ${candidates.join(', ')}). Run: bash scripts/e2e-setup.sh`,
  );
}
