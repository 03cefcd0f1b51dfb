/**
 * The VS Code side of KPR: starts the language server, and adds the commands and the status item. Every
 * check runs in the server; the extension host only forwards and shows.
 */
import * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import { createCancellationFolder, FileCancellationSender } from '../../server/src/lsp/cancellation';
import { STATUS_NOTIFICATION, StatusParams } from '../../server/src/lsp/protocol';
import { checkFileOnDisk, DISK_COLLECTION } from './checkFileOnDisk';
import { createLanguageClient } from './languageClient';
import { maskedLogChannel } from './log';
import { KprStatusItem } from './statusItem';

let client: LanguageClient | undefined;
let cancellation: FileCancellationSender | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const channel = maskedLogChannel(vscode.window.createOutputChannel('KPR', { log: true }));
  context.subscriptions.push(channel);
  cancellation = new FileCancellationSender(createCancellationFolder());
  const lc = createLanguageClient(context, channel, cancellation);
  client = lc;

  const status = new KprStatusItem();
  const disk = vscode.languages.createDiagnosticCollection(DISK_COLLECTION);
  context.subscriptions.push(
    status,
    disk,
    lc.onNotification(STATUS_NOTIFICATION, (s: StatusParams) => status.update(s)),
    lc.onDidChangeState((e) => {
      if (e.newState === State.Starting) status.reset();
    }),
    // Findings from disk describe the file as it was; once it is edited the live diagnostics take over.
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) disk.delete(e.document.uri);
    }),
    vscode.commands.registerCommand('kpr.checkFileOnDisk', (uri?: vscode.Uri) => checkFileOnDisk(lc, disk, channel, uri)),
    vscode.commands.registerCommand('kpr.restartServer', async () => {
      channel.info('Restarting the KPR language server');
      await lc.restart();
    }),
    vscode.commands.registerCommand('kpr.showOutput', () => channel.show(true)),
  );

  try {
    await lc.start();
  } catch (err) {
    channel.error(err instanceof Error ? err : String(err));
    void vscode.window.showErrorMessage(vscode.l10n.t('The KPR language server could not start. See the "KPR" output for details.'));
  }
}

export async function deactivate(): Promise<void> {
  try {
    await client?.stop();
  } finally {
    client = undefined;
    cancellation?.dispose();
    cancellation = undefined;
  }
}
