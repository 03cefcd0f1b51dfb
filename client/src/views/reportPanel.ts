/**
 * The submission report (webview `kpr.submissionReport`): the engine computes the model (`kpr/report`),
 * the page shows it. One panel, reused; "Check again" recomputes it from the files on disk.
 */
import * as vscode from 'vscode';
import type { KprApi } from '../api';
import { renderReport } from './model/reportHtml';
import { nonce, pageLang, webviewOptions } from './webview';

export const REPORT_VIEW = 'kpr.submissionReport';

export class ReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private uris: vscode.Uri[] = [];

  constructor(
    private readonly api: KprApi,
    private readonly log: vscode.LogOutputChannel,
    private readonly icon?: vscode.Uri,
  ) {}

  async show(uris: vscode.Uri[]): Promise<void> {
    this.uris = uris;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(REPORT_VIEW, vscode.l10n.t('KPR Submission Report'), vscode.ViewColumn.Active, webviewOptions());
      if (this.icon) this.panel.iconPath = this.icon;
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((m: { command?: string }) => {
        if (m.command === 'refresh') void this.render();
      });
    } else {
      this.panel.reveal(undefined, false);
    }
    await this.render();
  }

  private async render(): Promise<void> {
    const panel = this.panel;
    if (!panel) return;
    try {
      const model = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('KPR: computing the submission report'), cancellable: true },
        (_p, token) => this.api.report(this.uris.map((u) => u.toString()), token),
      );
      // The municipality's name heads the page; its configuration is read only where sending is allowed.
      const config = vscode.workspace.isTrusted ? await this.api.config('prod', this.uris[0]?.toString()).catch(() => undefined) : undefined;
      panel.webview.html = renderReport(model, {
        nonce: nonce(),
        cspSource: panel.webview.cspSource,
        lang: pageLang(),
        locale: vscode.env.language,
        l10n: vscode.l10n,
        ...(config?.municipality ? { municipality: config.municipality.name } : {}),
      });
    } catch (err) {
      if (err instanceof vscode.CancellationError || (err as { code?: number })?.code === -32800) return;
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`kpr/report: ${message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('KPR could not compute the report: {0}', message));
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
