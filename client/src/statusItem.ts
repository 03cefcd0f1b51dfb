/**
 * The language status item for KPR's XML files and mapping files: what the last analysis of the active
 * document found (kind, persons or rows, findings per severity, time), updated from the server's
 * `kpr/status` notifications. The words come from views/model/status.ts.
 */
import * as vscode from 'vscode';
import { StatusParams } from '../../server/src/lsp/protocol';
import { STATUS_LANGUAGES, StatusSeverity, statusView } from './views/model/status';

const SEVERITY: Record<StatusSeverity, vscode.LanguageStatusSeverity> = {
  information: vscode.LanguageStatusSeverity.Information,
  warning: vscode.LanguageStatusSeverity.Warning,
  error: vscode.LanguageStatusSeverity.Error,
};

export class KprStatusItem implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private readonly byUri = new Map<string, StatusParams>();
  private readonly listeners: vscode.Disposable[] = [];

  constructor() {
    this.item = vscode.languages.createLanguageStatusItem(
      'kpr.status',
      STATUS_LANGUAGES.map((language) => ({ language })),
    );
    this.item.name = 'KPR';
    this.item.command = { command: 'kpr.showOutput', title: vscode.l10n.t('Show KPR Output') };
    this.listeners.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      vscode.workspace.onDidCloseTextDocument((d) => this.byUri.delete(d.uri.toString())),
    );
    this.render();
  }

  update(status: StatusParams): void {
    this.byUri.set(status.uri, status);
    this.render();
  }

  /** The server restarted: what it said before no longer describes the documents. */
  reset(): void {
    this.byUri.clear();
    this.render();
  }

  private render(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const view = statusView(doc ? this.byUri.get(doc.uri.toString()) : undefined, vscode.l10n, vscode.env.language);
    this.item.busy = false;
    this.item.text = view.text;
    this.item.detail = view.detail;
    this.item.severity = SEVERITY[view.severity];
  }

  dispose(): void {
    this.item.dispose();
    for (const l of this.listeners) l.dispose();
  }
}
