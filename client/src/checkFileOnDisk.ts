/**
 * "KPR: Check File on Disk": checks a file the editor need not open (whole-year extracts can be too large
 * for it) through the server's `kpr/checkFile`, puts the findings in the Problems view (collection
 * 'kpr-disk') and sums them up in a message.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { CHECK_FILE_REQUEST, CheckFileParams, CheckFileResult } from '../../server/src/lsp/protocol';

export const DISK_COLLECTION = 'kpr-disk';

async function pickFile(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    canSelectFiles: true,
    canSelectFolders: false,
    defaultUri: active?.scheme === 'file' ? active : undefined,
    filters: { [vscode.l10n.t('XML files')]: ['xml'], [vscode.l10n.t('All files')]: ['*'] },
    openLabel: vscode.l10n.t('Check'),
    title: vscode.l10n.t('Check a KPR file on disk'),
  });
  return picked?.[0];
}

export async function checkFileOnDisk(
  client: LanguageClient,
  collection: vscode.DiagnosticCollection,
  log: vscode.LogOutputChannel,
  target?: vscode.Uri,
): Promise<CheckFileResult | undefined> {
  const uri = target instanceof vscode.Uri ? target : await pickFile();
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(vscode.l10n.t('Only files on disk can be checked.'));
    return undefined;
  }
  const name = path.basename(uri.fsPath);
  let result: CheckFileResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('KPR: checking {0}', name), cancellable: true },
      (_progress, token) => client.sendRequest<CheckFileResult>(CHECK_FILE_REQUEST, { uri: uri.toString() } satisfies CheckFileParams, token),
    );
  } catch (err) {
    if (err instanceof vscode.CancellationError) return undefined;
    const message = err instanceof Error ? err.message : String(err);
    log.error(`kpr/checkFile ${name}: ${message}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('KPR could not check {0}: {1}', name, message));
    return undefined;
  }
  const diagnostics = await client.protocol2CodeConverter.asDiagnostics(result.diagnostics);
  for (const d of diagnostics) d.source = 'kpr (disk)';
  collection.set(uri, diagnostics);

  const fmt = (n: number) => n.toLocaleString(vscode.env.language);
  const c = result.counts;
  const counts = vscode.l10n.t('{0} errors, {1} warnings, {2} notes', fmt(c.error), fmt(c.warning), fmt(c.information + c.hint));
  const seconds = (result.stats.ms / 1000).toLocaleString(vscode.env.language, { maximumFractionDigits: 1 });
  const summary =
    result.kind === 'other'
      ? vscode.l10n.t('{0} is not a KPR document (fagmelding, identmelding or AppRec): {1}.', name, counts)
      : vscode.l10n.t('{0}: {1}, {2} persons – {3} (checked in {4} s).', name, result.kind, fmt(result.stats.records), counts, seconds);
  const showProblems = vscode.l10n.t('Show Problems');
  const show = c.error > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(summary, showProblems).then((choice) => {
    if (choice === showProblems) void vscode.commands.executeCommand('workbench.actions.view.problems');
  });
  return result;
}
