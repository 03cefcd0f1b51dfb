/**
 * The detail page of one sending (webview `kpr.sendingDetail`): the Apprec in readable form, its raw XML,
 * the timeline and the actions. One panel, reused; it follows the journal as it changes.
 */
import * as vscode from 'vscode';
import type { SendingInfo } from '../../../server/src/lsp/protocol';
import { renderSendingDetail } from './model/apprecDetail';
import { baseName } from './model/format';
import { nonce, pageLang, webviewOptions } from './webview';

export const SENDING_DETAIL_VIEW = 'kpr.sendingDetail';

export interface SendingPanelActions {
  find(msgId: string): SendingInfo | undefined;
  checkAgain(sending: SendingInfo): Promise<void>;
}

export class SendingPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private msgId: string | undefined;

  constructor(
    private readonly actions: SendingPanelActions,
    private readonly icon?: vscode.Uri,
  ) {}

  /** Opens (or moves) the panel to the sending. */
  show(msgId: string): void {
    const s = this.actions.find(msgId);
    if (!s) {
      void vscode.window.showWarningMessage(vscode.l10n.t('The sending {0} is no longer in the journal.', msgId));
      return;
    }
    this.msgId = msgId;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(SENDING_DETAIL_VIEW, '', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, webviewOptions());
      if (this.icon) this.panel.iconPath = this.icon;
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.msgId = undefined;
      });
      this.panel.webview.onDidReceiveMessage((m: { command?: string }) => void this.onMessage(m));
    } else {
      this.panel.reveal(undefined, false);
    }
    this.render(s);
  }

  /** The journal was read again: show the sending's new state. */
  update(): void {
    if (!this.panel || !this.msgId) return;
    const s = this.actions.find(this.msgId);
    if (s) this.render(s);
  }

  private render(s: SendingInfo): void {
    if (!this.panel) return;
    this.panel.title = vscode.l10n.t('Apprec: {0}', baseName(s.file));
    this.panel.webview.html = renderSendingDetail(s, {
      nonce: nonce(),
      cspSource: this.panel.webview.cspSource,
      lang: pageLang(),
      locale: vscode.env.language,
      l10n: vscode.l10n,
    });
  }

  private async onMessage(m: { command?: string }): Promise<void> {
    const s = this.msgId ? this.actions.find(this.msgId) : undefined;
    if (!s) return;
    switch (m.command) {
      case 'openFile':
        await openSentFile(s);
        break;
      case 'copyMsgId':
        await copyMsgId(s);
        break;
      case 'checkAgain':
        await this.actions.checkAgain(s);
        break;
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

export async function openSentFile(s: SendingInfo): Promise<void> {
  try {
    await vscode.window.showTextDocument(vscode.Uri.file(s.file), { preview: false });
  } catch {
    void vscode.window.showWarningMessage(vscode.l10n.t('The file that was sent is no longer at {0}.', s.file));
  }
}

export async function copyMsgId(s: SendingInfo): Promise<void> {
  await vscode.env.clipboard.writeText(s.msgId);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('MsgId {0} copied', s.msgId), 3000);
}
