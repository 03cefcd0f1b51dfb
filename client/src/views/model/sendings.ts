/**
 * The Apprec side panel as data: sendings grouped by environment, each with its state in words, an icon and
 * a theme colour, and the Apprec's errors as children. No vscode import, so it is unit tested; the tree
 * provider (views/sendingsView.ts) only turns these nodes into TreeItems.
 *
 * Labels and descriptions carry the state in words, not only as an icon, so that a screen reader, a DOM
 * test and a colour-blind user read the same thing.
 */
import type { SendingInfo, SendingState } from '../../../../server/src/lsp/protocol';
import { baseName, ENV_ORDER, envLabel, formatTime } from './format';
import type { L10n } from './l10n';

/** What a sending's state means for the analyst; the filter works on these. */
export type StatusKind = 'waiting' | 'ok' | 'ok-with-errors' | 'rejected' | 'transport-error' | 'not-sent' | 'unconfirmed';

export const STATUS_KINDS: readonly StatusKind[] = ['waiting', 'ok', 'ok-with-errors', 'rejected', 'transport-error', 'not-sent', 'unconfirmed'];

export interface StatusPresentation {
  kind: StatusKind;
  /** The state in words ("Waiting for Apprec", "OK", "Rejected" …). */
  word: string;
  /** A codicon id for a ThemeIcon. */
  icon: string;
  /** A workbench colour id for the icon. */
  color: string;
}

export function statusKind(state: SendingState): StatusKind {
  switch (state) {
    case 'sending':
    case 'sent':
      return 'waiting';
    case 'sending-unconfirmed':
      return 'unconfirmed';
    case 'accepted':
      return 'ok';
    case 'accepted-with-errors':
      return 'ok-with-errors';
    case 'rejected':
      return 'rejected';
    case 'transport-error':
      return 'transport-error';
    case 'failed':
      return 'not-sent';
  }
}

export function statusWord(kind: StatusKind, l10n: L10n): string {
  switch (kind) {
    case 'waiting':
      return l10n.t('Waiting for Apprec');
    case 'ok':
      return l10n.t('OK');
    case 'ok-with-errors':
      return l10n.t('OK with errors');
    case 'rejected':
      return l10n.t('Rejected');
    case 'transport-error':
      return l10n.t('Transport error');
    case 'not-sent':
      return l10n.t('Not sent');
    case 'unconfirmed':
      return l10n.t('Unconfirmed: may have arrived');
  }
}

const ICONS: Record<StatusKind, { icon: string; color: string }> = {
  waiting: { icon: 'watch', color: 'charts.blue' },
  ok: { icon: 'pass-filled', color: 'testing.iconPassed' },
  'ok-with-errors': { icon: 'warning', color: 'editorWarning.foreground' },
  rejected: { icon: 'error', color: 'errorForeground' },
  'transport-error': { icon: 'debug-disconnect', color: 'errorForeground' },
  'not-sent': { icon: 'circle-slash', color: 'disabledForeground' },
  unconfirmed: { icon: 'question', color: 'editorWarning.foreground' },
};

export function presentStatus(state: SendingState, l10n: L10n): StatusPresentation {
  const kind = statusKind(state);
  return { kind, word: statusWord(kind, l10n), ...ICONS[kind] };
}

export interface SendingFilter {
  /** Show only these states (all when absent or empty). */
  states?: StatusKind[];
  /** Show only these environments (all when absent or empty). */
  envs?: string[];
}

export function isFiltered(f: SendingFilter | undefined): boolean {
  return !!f && ((f.states?.length ?? 0) > 0 || (f.envs?.length ?? 0) > 0);
}

export function matchesFilter(s: SendingInfo, f: SendingFilter | undefined): boolean {
  if (!f) return true;
  if (f.states && f.states.length > 0 && !f.states.includes(statusKind(s.state))) return false;
  if (f.envs && f.envs.length > 0 && !f.envs.includes(s.env)) return false;
  return true;
}

/** The filter in words for the view's description ("QA · Rejected, Transport error"). */
export function describeFilter(f: SendingFilter | undefined, l10n: L10n): string {
  if (!isFiltered(f)) return '';
  const parts: string[] = [];
  if (f!.envs?.length) parts.push(f!.envs.map((e) => envLabel(e, l10n)).join(', '));
  if (f!.states?.length) parts.push(f!.states.map((k) => statusWord(k, l10n)).join(', '));
  return l10n.t('Filter: {0}', parts.join(' · '));
}

export interface DetailNode {
  kind: 'detail';
  id: string;
  label: string;
  description?: string;
  tooltip: string;
  /** A codicon id. */
  icon: string;
  color?: string;
}

export interface SendingNode {
  kind: 'sending';
  id: string;
  msgId: string;
  label: string;
  description: string;
  tooltip: string;
  status: StatusPresentation;
  /** For menus: 'sending' plus the state, e.g. 'sending.waiting'. */
  contextValue: string;
  sending: SendingInfo;
  children: DetailNode[];
}

export interface EnvNode {
  kind: 'env';
  id: string;
  env: string;
  label: string;
  description: string;
  tooltip: string;
  children: SendingNode[];
}

export interface TreeOptions {
  locale: string;
  filter?: SendingFilter;
}

/** "KPR_IPL · OK · MsgId 5f0c…": type, state in words, the MsgId a support person asks for. */
function sendingDescription(s: SendingInfo, status: StatusPresentation, l10n: L10n): string {
  return `${s.type} · ${status.word} · ${l10n.t('MsgId {0}', s.msgId)}`;
}

/** What the Apprec, a transport error or a failure says, one child per error. */
export function detailNodes(s: SendingInfo, l10n: L10n, locale: string): DetailNode[] {
  const out: DetailNode[] = [];
  const latest = s.apprecs[s.apprecs.length - 1];
  if (latest) {
    for (const [i, e] of latest.errors.entries()) {
      const where = [e.rule, e.location].filter(Boolean).join(' @ ');
      const label = e.text ? `${e.code}: ${e.text}` : e.code;
      const description = [e.details, where].filter(Boolean).join(' — ');
      out.push({
        kind: 'detail',
        id: `${s.msgId}/apprec-error/${i}`,
        label,
        ...(description ? { description } : {}),
        tooltip: [label, e.details, where ? l10n.t('Where: {0}', where) : ''].filter(Boolean).join('\n'),
        icon: latest.status === '2' ? 'error' : 'warning',
        color: latest.status === '2' ? 'errorForeground' : 'editorWarning.foreground',
      });
    }
  }
  for (const [i, te] of s.transportErrors.entries()) {
    const label = l10n.t('Transport error: {0}', te.errorCondition);
    out.push({
      kind: 'detail',
      id: `${s.msgId}/transport-error/${i}`,
      label,
      description: te.errorDescription,
      tooltip: `${label}\n${te.errorDescription}\n${formatTime(te.receivedAt, locale)}`,
      icon: 'debug-disconnect',
      color: 'errorForeground',
    });
  }
  if (s.failure) {
    const label = l10n.t('Not sent: {0}', s.failure.reason);
    out.push({ kind: 'detail', id: `${s.msgId}/failure`, label, tooltip: `${label}\n${formatTime(s.failure.at, locale)}`, icon: 'circle-slash' });
  }
  return out;
}

export function sendingNode(s: SendingInfo, l10n: L10n, locale: string): SendingNode {
  const status = presentStatus(s.state, l10n);
  const when = s.sentAt ?? s.createdAt;
  const label = `${baseName(s.file)} · ${formatTime(when, locale)}`;
  const latest = s.apprecs[s.apprecs.length - 1];
  const tooltip = [
    `${baseName(s.file)} (${s.type})`,
    `${l10n.t('State')}: ${status.word}`,
    `${l10n.t('Environment')}: ${envLabel(s.env, l10n)}`,
    `${l10n.t('Sent')}: ${s.sentAt ? formatTime(s.sentAt, locale) : l10n.t('not sent')}`,
    latest ? `${l10n.t('Apprec received')}: ${formatTime(latest.receivedAt, locale)}` : '',
    `MsgId: ${s.msgId}`,
  ]
    .filter(Boolean)
    .join('\n');
  return {
    kind: 'sending',
    id: s.msgId,
    msgId: s.msgId,
    label,
    description: sendingDescription(s, status, l10n),
    tooltip,
    status,
    contextValue: `sending.${status.kind}`,
    sending: s,
    children: detailNodes(s, l10n, locale),
  };
}

function envDescription(nodes: SendingNode[], l10n: L10n): string {
  const waiting = nodes.filter((n) => n.status.kind === 'waiting' || n.status.kind === 'unconfirmed').length;
  const problems = nodes.filter((n) => n.status.kind === 'rejected' || n.status.kind === 'transport-error' || n.status.kind === 'ok-with-errors').length;
  const parts = [nodes.length === 1 ? l10n.t('1 sending') : l10n.t('{0} sendings', nodes.length)];
  if (waiting > 0) parts.push(l10n.t('{0} waiting', waiting));
  if (problems > 0) parts.push(l10n.t('{0} with problems', problems));
  return parts.join(' · ');
}

/** The tree: environments in ENV_ORDER (others after, by name), sendings newest first within each. */
export function buildSendingTree(sendings: readonly SendingInfo[], l10n: L10n, options: TreeOptions): EnvNode[] {
  const groups = new Map<string, SendingInfo[]>();
  for (const s of sendings) {
    if (!matchesFilter(s, options.filter)) continue;
    let g = groups.get(s.env);
    if (!g) groups.set(s.env, (g = []));
    g.push(s);
  }
  const rank = (env: string) => {
    const i = ENV_ORDER.indexOf(env);
    return i === -1 ? ENV_ORDER.length : i;
  };
  return [...groups.keys()]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((env) => {
      const children = groups
        .get(env)!
        .slice()
        .sort((a, b) => (b.sentAt ?? b.createdAt).localeCompare(a.sentAt ?? a.createdAt))
        .map((s) => sendingNode(s, l10n, options.locale));
      const label = envLabel(env, l10n);
      const description = envDescription(children, l10n);
      return { kind: 'env', id: `env/${env}`, env, label, description, tooltip: `${label}: ${description}`, children } satisfies EnvNode;
    });
}
