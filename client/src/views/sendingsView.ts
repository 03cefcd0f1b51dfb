/**
 * The "Sendings" tree in the KPR side panel: every sending the journals know, grouped by environment, with
 * its state as an icon and in words, and the Apprec's errors as children. Built from the pure view model
 * (views/model/sendings.ts); refreshed on `kpr/sendingsChanged` and by the Refresh button.
 */
import * as vscode from 'vscode';
import type { JournalResult, SendingInfo } from '../../../server/src/lsp/protocol';
import type { KprApi } from '../api';
import { envLabel } from './model/format';
import { buildSendingTree, describeFilter, DetailNode, EnvNode, isFiltered, SendingFilter, SendingNode, STATUS_KINDS, statusWord } from './model/sendings';

export const SENDINGS_VIEW = 'kpr.sendings';
const FILTER_KEY = 'kpr.sendings.filter';
const FILTERED_CONTEXT = 'kpr.sendings.filtered';

type Node = EnvNode | SendingNode | DetailNode;

export class SendingsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Node>;
  private sendings: SendingInfo[] = [];
  private roots: EnvNode[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly loadedEmitter = new vscode.EventEmitter<JournalResult>();
  /** Fires after every read of the journals (the detail panel follows it). */
  readonly onDidLoad = this.loadedEmitter.event;

  constructor(
    private readonly api: KprApi,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.view = vscode.window.createTreeView(SENDINGS_VIEW, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(this.view, this.changed, this.loadedEmitter);
    this.applyFilterState();
  }

  get filter(): SendingFilter | undefined {
    return this.state.get<SendingFilter>(FILTER_KEY);
  }

  /** The sending with this MsgId, as last read. */
  find(msgId: string): SendingInfo | undefined {
    return this.sendings.find((s) => s.msgId === msgId);
  }

  /** Reads the journals again soon; several calls in a burst read once. */
  scheduleRefresh(delayMs = 150): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, delayMs);
  }

  async refresh(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      this.sendings = [];
      this.render();
      return;
    }
    try {
      const r = await this.api.journal(vscode.workspace.workspaceFolders?.[0]?.uri.toString());
      this.sendings = r.sendings;
      for (const p of r.problems) this.log.warn(p);
      this.render();
      this.loadedEmitter.fire(r);
    } catch (err) {
      this.log.error(`kpr/journal: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private render(): void {
    this.roots = buildSendingTree(this.sendings, vscode.l10n, { locale: vscode.env.language, filter: this.filter });
    this.view.description = describeFilter(this.filter, vscode.l10n) || undefined;
    const waiting = this.sendings.filter((s) => s.state === 'sent' || s.state === 'sending' || s.state === 'sending-unconfirmed').length;
    this.view.badge = waiting > 0 ? { value: waiting, tooltip: vscode.l10n.t('{0} sendings wait for their Apprec', waiting) } : undefined;
    this.changed.fire(undefined);
  }

  async setFilter(filter: SendingFilter | undefined): Promise<void> {
    await this.state.update(FILTER_KEY, isFiltered(filter) ? filter : undefined);
    this.applyFilterState();
    this.render();
  }

  private applyFilterState(): void {
    void vscode.commands.executeCommand('setContext', FILTERED_CONTEXT, isFiltered(this.filter));
  }

  /** The filter QuickPick: environments and states, both optional. */
  async chooseFilter(): Promise<void> {
    type Item = vscode.QuickPickItem & { env?: string; state?: (typeof STATUS_KINDS)[number] };
    const current = this.filter;
    const envs = [...new Set(['prod', 'qa', 'test', 'local', ...this.sendings.map((s) => s.env)])];
    const items: Item[] = [
      { label: vscode.l10n.t('Environment'), kind: vscode.QuickPickItemKind.Separator },
      ...envs.map((env) => ({ label: envLabel(env, vscode.l10n), env, picked: current?.envs?.includes(env) ?? false })),
      { label: vscode.l10n.t('State'), kind: vscode.QuickPickItemKind.Separator },
      ...STATUS_KINDS.map((state) => ({ label: statusWord(state, vscode.l10n), state, picked: current?.states?.includes(state) ?? false })),
    ];
    const chosen = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: vscode.l10n.t('KPR: show only these sendings'),
      placeHolder: vscode.l10n.t('Tick environments and/or states; tick nothing to show all'),
    });
    if (!chosen) return;
    await this.setFilter({ envs: chosen.filter((i) => i.env).map((i) => i.env!), states: chosen.filter((i) => i.state).map((i) => i.state!) });
  }

  getChildren(element?: Node): Node[] {
    if (!element) return this.roots;
    if (element.kind === 'env') return element.children;
    if (element.kind === 'sending') return element.children;
    return [];
  }

  getParent(element: Node): Node | undefined {
    if (element.kind === 'env') return undefined;
    for (const root of this.roots) {
      if (element.kind === 'sending' && root.children.includes(element)) return root;
      for (const s of root.children) if (element.kind === 'detail' && s.children.includes(element)) return s;
    }
    return undefined;
  }

  getTreeItem(element: Node): vscode.TreeItem {
    if (element.kind === 'env') {
      const item = new vscode.TreeItem(element.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = element.id;
      item.description = element.description;
      item.tooltip = element.tooltip;
      item.contextValue = 'environment';
      item.iconPath = new vscode.ThemeIcon(element.env === 'prod' ? 'globe' : element.env === 'local' ? 'vm' : 'beaker');
      return item;
    }
    if (element.kind === 'sending') {
      const item = new vscode.TreeItem(element.label, element.children.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = element.id;
      item.description = element.description;
      item.tooltip = element.tooltip;
      item.contextValue = element.contextValue;
      item.iconPath = new vscode.ThemeIcon(element.status.icon, new vscode.ThemeColor(element.status.color));
      item.accessibilityInformation = { label: `${element.label}, ${element.description}` };
      item.command = { command: 'kpr.sendings.showDetails', title: vscode.l10n.t('Show Apprec'), arguments: [element.msgId] };
      return item;
    }
    const item = new vscode.TreeItem(element.label, vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    item.description = element.description;
    item.tooltip = element.tooltip;
    item.contextValue = 'apprecError';
    item.iconPath = new vscode.ThemeIcon(element.icon, element.color ? new vscode.ThemeColor(element.color) : undefined);
    return item;
  }

  /** Shows the sending in the tree (e.g. after its Apprec came). */
  async reveal(msgId: string): Promise<void> {
    for (const root of this.roots) {
      const node = root.children.find((c) => c.msgId === msgId);
      if (node) {
        await this.view.reveal(node, { select: true, focus: false, expand: false });
        return;
      }
    }
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}
