/**
 * Starts the KPR language server (dist/server.js) over Node IPC and connects it to the editor: XML
 * documents on disk and untitled, settings section 'kpr', pull diagnostics on change and on save,
 * cancellation that reaches a busy server (see server/src/lsp/cancellation.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CancellationReceiverStrategy,
  CloseAction,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { CANCELLATION_ARG, FileCancellationSender } from '../../server/src/lsp/cancellation';
import { KprInitializationOptions } from '../../server/src/lsp/protocol';
import { TEST_USER_FILE } from '../../server/src/domain/testUsers';
import { traceChannel } from './log';
import { ServerFailureKind, ServerFailurePolicy, serverFailureMessage } from './views/model/serverFailure';

export const CLIENT_ID = 'kpr';

/** The documents the server checks; the server itself also answers only for KPR documents among them. */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'xml' },
  { scheme: 'untitled', language: 'xml' },
  { scheme: 'file', language: 'kpr-mapping' },
  { scheme: 'untitled', language: 'kpr-mapping' },
];

/** The extension's own copy of the rule pages, so a diagnostic's link works offline. */
function docsBaseUri(context: vscode.ExtensionContext): string | undefined {
  const folder = context.asAbsolutePath(path.join('docs', 'rules'));
  return fs.existsSync(folder) ? vscode.Uri.file(folder).toString() + '/' : undefined;
}

/**
 * The language client, with one clear message when the server fails (see views/model/serverFailure.ts):
 * the library's own generic notifications are written to the "KPR" output only.
 */
export class KprLanguageClient extends LanguageClient {
  constructor(
    clientOptions: LanguageClientOptions,
    serverOptions: ServerOptions,
    private readonly failures: ServerFailurePolicy,
    private readonly report: (kind: ServerFailureKind) => void,
  ) {
    super(CLIENT_ID, 'KPR', serverOptions, clientOptions);
    // Once it has answered `initialize`, a later failure is news again.
    this.onDidChangeState((e) => {
      if (e.newState === State.Running) failures.running();
    });
  }

  /** A failure while the server is not running ("couldn't create connection", "Restarting server failed") becomes the one message. */
  override error(message: string, data?: unknown, showNotification: boolean | 'force' = true): void {
    if (showNotification && (this.state === State.Starting || this.state === State.StartFailed)) {
      super.error(message, data, false);
      const kind = this.failures.startFailed();
      if (kind) this.report(kind);
      return;
    }
    super.error(message, data, showNotification);
  }

  /** "KPR: Restart Language Server": a fresh start, with its own message if it fails again. */
  override async restart(): Promise<void> {
    this.failures.restartRequested();
    await super.restart();
  }
}

export function createLanguageClient(
  context: vscode.ExtensionContext,
  channel: vscode.LogOutputChannel,
  cancellation: FileCancellationSender,
): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const args = [CANCELLATION_ARG + cancellation.folder];
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, args },
    debug: { module, transport: TransportKind.ipc, args, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${TEST_USER_FILE}`);
  // Mapping files on disk take part in the cross-check with the open extracts, open or not.
  const mappingWatcher = vscode.workspace.createFileSystemWatcher('**/*.{kprmap,kprmap.csv}');
  const trace = traceChannel(channel, () => vscode.workspace.getConfiguration('kpr').get<string>('trace.server'));
  context.subscriptions.push(watcher, mappingWatcher, trace);
  const failures = new ServerFailurePolicy();
  const report = (kind: ServerFailureKind) => {
    const show = vscode.l10n.t('Show KPR Output');
    void vscode.window.showErrorMessage(serverFailureMessage(kind, vscode.l10n), show).then((choice) => {
      if (choice === show) channel.show(true);
    });
  };
  const initializationOptions: KprInitializationOptions = { locale: vscode.env.language, docsBaseUri: docsBaseUri(context) };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    synchronize: { configurationSection: 'kpr', fileEvents: [watcher, mappingWatcher] },
    initializationOptions,
    diagnosticPullOptions: { onChange: true, onSave: true },
    outputChannel: channel,
    // The message trace (kpr.trace.server) goes to the same masked channel, visible at its default level.
    traceOutputChannel: trace,
    connectionOptions: { cancellationStrategy: { sender: cancellation, receiver: CancellationReceiverStrategy.Message } },
    markdown: { isTrusted: false, supportHtml: false },
    errorHandler: {
      // A garbled message now and then is survivable; many in a row mean the connection is gone.
      error: (_error, _message, count) => (count !== undefined && count <= 3 ? { action: ErrorAction.Continue, handled: true } : { action: ErrorAction.Shutdown, handled: true }),
      closed: () => {
        const d = failures.closed(Date.now());
        if (d.notify) report(d.notify);
        if (d.restart) channel.warn('The KPR language server stopped unexpectedly; starting it again.');
        return { action: d.restart ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
      },
    },
    initializationFailedHandler: (error) => {
      channel.error(error instanceof Error ? error : String(error));
      const kind = failures.startFailed();
      if (kind) report(kind);
      return false;
    },
  };
  return new KprLanguageClient(clientOptions, serverOptions, failures, report);
}
