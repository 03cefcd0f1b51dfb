/**
 * A small LSP client for tests: builds the language server bundle once (as scripts/build.mjs does, into a
 * private folder so parallel test runs never read a half-written dist/), starts it as a child process
 * over stdio and speaks to it with vscode-jsonrpc, the library the VS Code client itself uses. It answers
 * the server's requests (workspace/configuration per scopeUri, workspace folders, diagnostic refresh) and
 * records its notifications, so tests can wait for an event instead of sleeping.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  CancellationReceiverStrategy,
  CancellationToken,
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import type {
  CodeAction,
  Diagnostic,
  DocumentDiagnosticReport,
  InitializeResult,
  TextDocumentContentChangeEvent,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CANCELLATION_ARG, createCancellationFolder, FileCancellationSender } from '../../server/src/lsp/cancellation';
import { STATUS_NOTIFICATION, StatusParams } from '../../server/src/lsp/protocol';

const REPO = path.resolve(__dirname, '../..');
let bundled: Promise<string> | undefined;

/**
 * Bundles server/src/lsp/server.ts and the worker of two-thread checks (splitWorker.ts) with the options
 * of scripts/build.mjs; once per test run. The folder is inside the repository, as dist/ is, so that the
 * server finds the schemas (schemas/kpr, looked for upwards) as the shipped one does.
 */
export function serverBundle(): Promise<string> {
  bundled ??= (async () => {
    const parent = path.join(REPO, '.test-build');
    fs.mkdirSync(parent, { recursive: true });
    const dir = fs.mkdtempSync(path.join(parent, 'lsp-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const out = path.join(dir, 'server.js');
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const common = {
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: 'linked',
      logLevel: 'warning',
      define: { __KPR_VERSION__: JSON.stringify(pkg.version) },
    } as const;
    await build({ ...common, entryPoints: [path.join(REPO, 'server/src/lsp/server.ts')], outfile: out });
    await build({ ...common, entryPoints: [path.join(REPO, 'server/src/analysis/splitWorker.ts')], outfile: path.join(dir, 'checkWorker.js') });
    return out;
  })();
  return bundled;
}

export function fileUri(p: string): string {
  return pathToFileURL(p).href;
}

export interface StartOptions {
  /** The 'kpr' section for a resource; called for every workspace/configuration item. */
  settings?: (scopeUri: string | undefined) => unknown;
  locale?: string;
  workspaceFolders?: { uri: string; name: string }[];
  docsBaseUri?: string;
}

export class TestServer {
  readonly logs: string[] = [];
  readonly statuses: StatusParams[] = [];
  refreshes = 0;
  settings: (scopeUri: string | undefined) => unknown;
  initializeResult!: InitializeResult;
  private readonly events = new EventEmitter();
  private readonly texts = new Map<string, TextDocument>();
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly conn: MessageConnection,
    private readonly cancellation: FileCancellationSender,
    options: StartOptions,
  ) {
    this.settings = options.settings ?? (() => ({}));
    this.events.setMaxListeners(100);
    child.on('exit', () => {
      this.exited = true;
      this.events.emit('event');
    });
    child.stderr!.on('data', (d: Buffer) => this.logs.push(`[stderr] ${d.toString()}`));
    conn.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      this.events.emit('event');
    });
    conn.onNotification(STATUS_NOTIFICATION, (p: StatusParams) => {
      this.statuses.push(p);
      this.events.emit('event');
    });
    conn.onRequest('workspace/configuration', (p: { items: { scopeUri?: string; section?: string }[] }) =>
      p.items.map((i) => (i.section === 'kpr' ? this.settings(i.scopeUri) : null)),
    );
    conn.onRequest('workspace/workspaceFolders', () => options.workspaceFolders ?? null);
    conn.onRequest('workspace/diagnostic/refresh', () => {
      this.refreshes++;
      this.events.emit('event');
      return null;
    });
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.listen();
  }

  static async start(options: StartOptions = {}): Promise<TestServer> {
    const module = await serverBundle();
    const cancellation = new FileCancellationSender(createCancellationFolder());
    const child = spawn(process.execPath, [module, '--stdio', CANCELLATION_ARG + cancellation.folder], { stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!), undefined, {
      cancellationStrategy: { sender: cancellation, receiver: CancellationReceiverStrategy.Message },
    });
    const server = new TestServer(child, conn, cancellation, options);
    server.initializeResult = await conn.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: null,
      locale: options.locale ?? 'nb',
      workspaceFolders: options.workspaceFolders ?? null,
      initializationOptions: { docsBaseUri: options.docsBaseUri },
      capabilities: {
        workspace: {
          configuration: true,
          workspaceFolders: true,
          workspaceEdit: { documentChanges: true },
          diagnostics: { refreshSupport: true },
        },
        textDocument: {
          diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
          publishDiagnostics: { relatedInformation: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source.fixAll'] } } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          completion: { completionItem: { snippetSupport: false, labelDetailsSupport: true } },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
        },
      },
    });
    await conn.sendNotification('initialized', {});
    return server;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Resolves when `check` returns a value, re-checked on every message from the server. */
  waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const v = check();
        if (v !== undefined && v !== false) {
          cleanup();
          resolve(v);
        } else if (this.exited) {
          cleanup();
          reject(new Error(`server exited while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('event', attempt);
      };
      this.events.on('event', attempt);
      attempt();
    });
  }

  text(uri: string): string {
    const d = this.texts.get(uri);
    if (!d) throw new Error(`not open: ${uri}`);
    return d.getText();
  }

  version(uri: string): number {
    return this.texts.get(uri)!.version;
  }

  async open(uri: string, text: string, languageId = 'xml'): Promise<void> {
    this.texts.set(uri, TextDocument.create(uri, languageId, 1, text));
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  async close(uri: string): Promise<void> {
    this.texts.delete(uri);
    await this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Sends incremental changes (each range in the text as changed by the previous ones). */
  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    const d = this.texts.get(uri)!;
    const version = d.version + 1;
    TextDocument.update(d, changes, version);
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
  }

  /** Applies a WorkspaceEdit for one open document the way an editor does: incremental changes, last first. */
  async applyEdit(uri: string, edit: WorkspaceEdit): Promise<void> {
    const edits: TextEdit[] = [];
    for (const dc of edit.documentChanges ?? []) {
      if (!('textDocument' in dc) || dc.textDocument.uri !== uri) throw new Error('unexpected edit target');
      if (dc.textDocument.version !== this.version(uri)) throw new Error(`edit for version ${dc.textDocument.version}, document is at ${this.version(uri)}`);
      edits.push(...(dc.edits as TextEdit[]));
    }
    for (const e of edit.changes?.[uri] ?? []) edits.push(e);
    const d = this.texts.get(uri)!;
    const sorted = [...edits].sort((a, b) => d.offsetAt(b.range.start) - d.offsetAt(a.range.start));
    await this.change(uri, sorted.map((e) => ({ range: e.range, text: e.newText })));
  }

  pull(uri: string, previousResultId?: string, token?: CancellationToken): Promise<DocumentDiagnosticReport> {
    const params = { textDocument: { uri }, previousResultId };
    // A string method with a trailing `undefined` would be sent as positional parameters.
    return token
      ? this.conn.sendRequest<DocumentDiagnosticReport>('textDocument/diagnostic', params, token)
      : this.conn.sendRequest<DocumentDiagnosticReport>('textDocument/diagnostic', params);
  }

  /** Pulls and expects a full report. */
  async diagnostics(uri: string): Promise<Diagnostic[]> {
    const r = await this.pull(uri);
    if (r.kind !== 'full') throw new Error(`expected a full report, got ${r.kind}`);
    return r.items;
  }

  codeActions(uri: string, range: Diagnostic['range'], diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    return this.conn.sendRequest<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, only } });
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      try {
        await withTimeout(this.conn.sendRequest('shutdown'), 5000, 'shutdown');
        await this.conn.sendNotification('exit');
        await withTimeout(exited, 5000, 'exit');
      } catch {
        this.child.kill();
      }
    }
    this.conn.dispose();
    this.cancellation.dispose();
  }
}

/** Rejects when `p` does not settle within `ms`: the server must answer in bounded time. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms);
    }),
  ]);
}
