/**
 * The status bar item of the Apprec listener ("KPR QA: connected / reconnecting / disconnected"), from the
 * server's `kpr/listenerState` notifications. Hidden while nothing is listened to.
 */
import * as vscode from 'vscode';
import type { ListenerStateParams } from '../../../server/src/lsp/protocol';
import { presentListeners } from './model/listener';

export const LISTENER_STATUS_ID = 'kpr.listener';

export class ListenerStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly states = new Map<string, ListenerStateParams>();

  constructor() {
    this.item = vscode.window.createStatusBarItem(LISTENER_STATUS_ID, vscode.StatusBarAlignment.Left, 10);
    this.item.name = vscode.l10n.t('KPR Apprec listener');
    this.item.command = 'kpr.listenForApprecs';
  }

  get(env: string): ListenerStateParams | undefined {
    return this.states.get(env);
  }

  update(s: ListenerStateParams): void {
    this.states.set(s.env, s);
    this.render();
  }

  /** The server restarted: nothing listens any more. */
  reset(): void {
    this.states.clear();
    this.render();
  }

  private render(): void {
    const p = presentListeners(this.states, vscode.l10n);
    if (!p.visible) {
      this.item.hide();
      return;
    }
    this.item.text = p.text;
    this.item.tooltip = p.tooltip;
    this.item.accessibilityInformation = { label: p.accessibility };
    this.item.backgroundColor = p.severity ? new vscode.ThemeColor(p.severity === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
