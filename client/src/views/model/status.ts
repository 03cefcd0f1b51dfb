/**
 * What the KPR language status item says for the active document (statusItem.ts), from the server's last
 * `kpr/status`: the kind, how many persons (or, for a mapping file, rows), findings per severity and time.
 * No vscode import, so the words are unit tested in both languages (test/unit/views/status.test.ts).
 */
import type { StatusParams } from '../../../../server/src/lsp/protocol';
import type { L10n } from './l10n';

/** The languages the status item shows for: KPR's XML files and the mapping files of the extract. */
export const STATUS_LANGUAGES = ['xml', 'kpr-mapping'] as const;

export type StatusSeverity = 'information' | 'warning' | 'error';

export interface StatusView {
  text: string;
  detail: string;
  severity: StatusSeverity;
}

const KIND_LABEL: Record<string, string> = {
  fagmelding: 'fagmelding',
  identmelding: 'identmelding',
  apprec: 'AppRec',
  mapping: 'mapping',
};

/** The status item's text for a document; `status` undefined means the server has not checked it yet. */
export function statusView(status: StatusParams | undefined, l10n: L10n, locale: string): StatusView {
  if (!status) return { text: 'KPR', detail: l10n.t('Not checked yet'), severity: 'information' };
  if (status.kind === 'other') {
    return { text: 'KPR', detail: l10n.t('Not a KPR document (fagmelding, identmelding or AppRec)'), severity: 'information' };
  }
  const fmt = (n: number) => n.toLocaleString(locale);
  const kind = KIND_LABEL[status.kind] ?? status.kind;
  let text: string;
  if (status.kind === 'apprec') text = `KPR: ${kind}`;
  // A mapping file's records are its rows (code mappings), not persons.
  else if (status.kind === 'mapping') text = l10n.t('KPR: {0}, {1} rows', kind, fmt(status.records));
  else text = l10n.t('KPR: {0}{1}, {2} persons', kind, status.envelope ? l10n.t(' in a Hodemelding') : '', fmt(status.records));
  const c = status.counts;
  const parts = [
    l10n.t('{0} errors', fmt(c.error)),
    l10n.t('{0} warnings', fmt(c.warning)),
    l10n.t('{0} notes', fmt(c.information + c.hint)),
    l10n.t('checked in {0} ms', fmt(status.ms)),
  ];
  if (status.hiddenFindings > 0) parts.push(l10n.t('{0} more not shown', fmt(status.hiddenFindings)));
  return { text, detail: parts.join(' · '), severity: c.error > 0 ? 'error' : c.warning > 0 ? 'warning' : 'information' };
}
