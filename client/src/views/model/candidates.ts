/**
 * Choosing what to send: the KPR files of the workspace as QuickPick rows, with the pair of the active file
 * preselected (same folder; equal løpenummer, or the only fagmelding and identmelding of that folder, the
 * rule the engine pairs by), and the check that a choice is at most one fagmelding and one identmelding.
 */
import type { Candidate } from '../../../../server/src/lsp/protocol';
import type { L10n } from './l10n';

export interface CandidateRow {
  uri: string;
  label: string;
  description: string;
  detail?: string;
  picked: boolean;
  kind: Candidate['kind'];
}

function folderOf(uri: string): string {
  return uri.slice(0, uri.lastIndexOf('/'));
}

function nameOf(uri: string): string {
  const raw = uri.slice(uri.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The active file and its partner, when the active file is a KPR payload. */
export function pairOf(candidates: readonly Candidate[], activeUri: string | undefined): Candidate[] {
  const active = candidates.find((c) => c.uri === activeUri);
  if (!active) return [];
  const other: Candidate['kind'] = active.kind === 'fagmelding' ? 'identmelding' : 'fagmelding';
  const sameFolder = candidates.filter((c) => c.kind === other && folderOf(c.uri) === folderOf(active.uri) && !c.envelope);
  const byLopenr = active.lopenr ? sameFolder.filter((c) => c.lopenr === active.lopenr) : [];
  const partner =
    byLopenr.length === 1
      ? byLopenr[0]
      : sameFolder.length === 1 && candidates.filter((c) => c.kind === active.kind && folderOf(c.uri) === folderOf(active.uri)).length === 1
        ? sameFolder[0]
        : undefined;
  return partner ? [active, partner] : [active];
}

/**
 * QuickPick rows: fagmeldinger first, then identmeldinger, each by path; files wrapped in a Hodemelding are
 * listed but say why they cannot be sent as they are.
 */
export function candidateRows(candidates: readonly Candidate[], activeUri: string | undefined, relative: (uri: string) => string, l10n: L10n): CandidateRow[] {
  const picked = new Set(pairOf(candidates, activeUri).map((c) => c.uri));
  const order = (c: Candidate) => (c.kind === 'fagmelding' ? 0 : 1);
  return [...candidates]
    .sort((a, b) => order(a) - order(b) || a.uri.localeCompare(b.uri))
    .map((c) => {
      const what = c.kind === 'fagmelding' ? l10n.t('fagmelding (KPR_IPL)') : l10n.t('identmelding (KPR_IDE)');
      const lopenr = c.lopenr ? l10n.t('løpenummer {0}', c.lopenr) : '';
      return {
        uri: c.uri,
        label: nameOf(c.uri),
        description: [what, lopenr].filter(Boolean).join(' · '),
        detail: c.envelope ? l10n.t('Already wrapped in a Hodemelding: send the fagmelding or identmelding itself') : relative(c.uri),
        picked: picked.has(c.uri),
        kind: c.kind,
      };
    });
}

/** Why a choice cannot be sent, or undefined when it can (one or two files, at most one of each kind). */
export function choiceProblem(rows: readonly Pick<CandidateRow, 'kind' | 'label'>[], l10n: L10n): string | undefined {
  if (rows.length === 0) return l10n.t('Choose a fagmelding, an identmelding, or one of each.');
  const fag = rows.filter((r) => r.kind === 'fagmelding');
  const ide = rows.filter((r) => r.kind === 'identmelding');
  if (fag.length > 1) return l10n.t('Choose one fagmelding at a time ({0} are chosen).', fag.length);
  if (ide.length > 1) return l10n.t('Choose one identmelding at a time ({0} are chosen).', ide.length);
  return undefined;
}
