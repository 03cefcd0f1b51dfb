/**
 * The Apprec listener's status bar item as data: one line for every environment being listened to, the
 * worst connection state first. Pure, so the wording is unit tested.
 */
import type { ListenerConnection, ListenerStateParams } from '../../../../server/src/lsp/protocol';
import { ENV_ORDER, envLabel } from './format';
import type { L10n } from './l10n';

export interface ListenerPresentation {
  /** False when nothing is being listened to: the item is hidden. */
  visible: boolean;
  /** Status bar text with a codicon, e.g. "$(radio-tower) KPR QA: connected". */
  text: string;
  tooltip: string;
  /** 'error' | 'warning' | undefined: the item's background. */
  severity?: 'error' | 'warning';
  /** The state in words, for accessibility. */
  accessibility: string;
}

export function connectionWord(state: ListenerConnection, l10n: L10n): string {
  switch (state) {
    case 'connecting':
      return l10n.t('connecting');
    case 'connected':
      return l10n.t('connected');
    case 'reconnecting':
      return l10n.t('reconnecting');
    case 'disconnected':
      return l10n.t('disconnected');
    case 'stopped':
      return l10n.t('not listening');
  }
}

const ICON: Record<ListenerConnection, string> = {
  connecting: '$(sync~spin)',
  connected: '$(radio-tower)',
  reconnecting: '$(sync~spin)',
  disconnected: '$(debug-disconnect)',
  stopped: '$(circle-slash)',
};

const BADNESS: Record<ListenerConnection, number> = { disconnected: 0, reconnecting: 1, connecting: 2, connected: 3, stopped: 4 };

export function presentListeners(states: ReadonlyMap<string, ListenerStateParams>, l10n: L10n): ListenerPresentation {
  const active = [...states.values()].filter((s) => s.state !== 'stopped');
  if (active.length === 0) return { visible: false, text: '', tooltip: '', accessibility: '' };
  const rank = (env: string) => (ENV_ORDER.indexOf(env) === -1 ? ENV_ORDER.length : ENV_ORDER.indexOf(env));
  active.sort((a, b) => BADNESS[a.state] - BADNESS[b.state] || rank(a.env) - rank(b.env));
  const worst = active[0];
  const line = (s: ListenerStateParams) => l10n.t('Apprecs from {0}: {1}', envLabel(s.env, l10n), connectionWord(s.state, l10n)) + (s.reason ? ` – ${s.reason}` : '');
  const text =
    active.length === 1
      ? `${ICON[worst.state]} ${l10n.t('KPR {0}: {1}', envLabel(worst.env, l10n), connectionWord(worst.state, l10n))}`
      : `${ICON[worst.state]} ${l10n.t('KPR: {0} listeners, {1}', active.length, connectionWord(worst.state, l10n))}`;
  const tooltip = [...active.map(line), l10n.t('Click to start or stop listening for Apprecs.')].join('\n');
  return {
    visible: true,
    text,
    tooltip,
    accessibility: active.map(line).join('; '),
    ...(worst.state === 'disconnected' ? { severity: 'error' as const } : worst.state === 'reconnecting' ? { severity: 'warning' as const } : {}),
  };
}
