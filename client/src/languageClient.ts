/**
 * Starts the KPR language server (dist/server.js) over Node IPC and connects it to the editor: XML
 * documents on disk and untitled, settings section 'kpr', pull diagnostics on change and on save,
 * cancellation that reaches a busy server (see server/src/lsp/cancellation.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CancellationReceiverStrategy, LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { CANCELLATION_ARG, FileCancellationSender } from '../../server/src/lsp/cancellation';
import { KprInitializationOptions } from '../../server/src/lsp/protocol';
import { TEST_USER_FILE } from '../../server/src/domain/testUsers';

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
  context.subscriptions.push(watcher, mappingWatcher);
  const initializationOptions: KprInitializationOptions = { locale: vscode.env.language, docsBaseUri: docsBaseUri(context) };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    synchronize: { configurationSection: 'kpr', fileEvents: [watcher, mappingWatcher] },
    initializationOptions,
    diagnosticPullOptions: { onChange: true, onSave: true },
    outputChannel: channel,
    traceOutputChannel: channel,
    connectionOptions: { cancellationStrategy: { sender: cancellation, receiver: CancellationReceiverStrategy.Message } },
    markdown: { isTrusted: false, supportHtml: false },
  };
  return new LanguageClient(CLIENT_ID, 'KPR', serverOptions, clientOptions);
}
