/**
 * The language status item for XML files: what the last analysis of the active document found (kind,
 * persons, findings per severity, time), updated from the server's `kpr/status` notifications.
 */
import * as vscode from 'vscode';
import { StatusParams } from '../../server/src/lsp/protocol';

const KIND_LABEL: Record<string, string> = {
  fagmelding: 'fagmelding',
  identmelding: 'identmelding',
  apprec: 'AppRec',
  mapping: 'mapping',
};

export class KprStatusItem implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private readonly byUri = new Map<string, StatusParams>();
  private readonly listeners: vscode.Disposable[] = [];

  constructor() {
    this.item = vscode.languages.createLanguageStatusItem('kpr.status', { language: 'xml' });
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
    const status = doc ? this.byUri.get(doc.uri.toString()) : undefined;
    const item = this.item;
    item.busy = false;
    if (!status) {
      item.text = 'KPR';
      item.detail = vscode.l10n.t('Not checked yet');
      item.severity = vscode.LanguageStatusSeverity.Information;
      return;
    }
    if (status.kind === 'other') {
      item.text = 'KPR';
      item.detail = vscode.l10n.t('Not a KPR document (fagmelding, identmelding or AppRec)');
      item.severity = vscode.LanguageStatusSeverity.Information;
      return;
    }
    const fmt = (n: number) => n.toLocaleString(vscode.env.language);
    const kind = KIND_LABEL[status.kind] ?? status.kind;
    const envelope = status.envelope ? vscode.l10n.t(' in a Hodemelding') : '';
    item.text =
      status.kind === 'apprec'
        ? `KPR: ${kind}`
        : vscode.l10n.t('KPR: {0}{1}, {2} persons', kind, envelope, fmt(status.records));
    const c = status.counts;
    const parts = [
      vscode.l10n.t('{0} errors', fmt(c.error)),
      vscode.l10n.t('{0} warnings', fmt(c.warning)),
      vscode.l10n.t('{0} notes', fmt(c.information + c.hint)),
      vscode.l10n.t('checked in {0} ms', fmt(status.ms)),
    ];
    if (status.hiddenFindings > 0) parts.push(vscode.l10n.t('{0} more not shown', fmt(status.hiddenFindings)));
    item.detail = parts.join(' · ');
    item.severity =
      c.error > 0 ? vscode.LanguageStatusSeverity.Error : c.warning > 0 ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
  }

  dispose(): void {
    this.item.dispose();
    for (const l of this.listeners) l.dispose();
  }
}
