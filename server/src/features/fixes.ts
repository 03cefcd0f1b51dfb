/**
 * Quick fixes, keyed by rule code: one provider per code turns a finding (with the FixData its rule put
 * on it) into offset-based text edits. The edits touch as little as possible so the user's formatting
 * survives: a service code is changed digit for digit, an element is removed with its own line.
 *
 * Every provider re-reads the text at the finding's offsets before it edits, so a fix computed from a
 * stale analysis (the document changed since) is dropped instead of corrupting the file.
 */
import { FixData, RuleCode } from '../analysis/types';
import { Lang, registerMessages, t } from '../i18n';
import { parseXml } from '../xml/parser';

registerMessages({
  'fix.replaceServiceCode': {
    nb: 'Endre tjenestetype {from} til {to}',
    en: 'Change service type {from} to {to}',
  },
  'fix.replaceServiceCodeRemoveOrg': {
    nb: 'Endre tjenestetype {from} til {to} og fjern organisasjonsnummeret',
    en: 'Change service type {from} to {to} and remove the organisation number',
  },
  'fix.removeOrgNumber': {
    nb: 'Fjern organisasjonsnummeret ({what})',
    en: 'Remove the organisation number ({what})',
  },
  'fix.all': {
    nb: 'Rett alle KPR-problemer som kan rettes automatisk ({count})',
    en: 'Fix all auto-fixable KPR problems ({count})',
  },
});

/** A replacement of the text between two offsets of the original text. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/** What a provider needs from a finding: its code, where it is, and its fix data. */
export interface FixableFinding {
  code: string;
  start: number;
  end: number;
  data?: FixData;
}

export interface Fix {
  code: RuleCode;
  /** The title shown in the editor's light bulb, in the user's language. */
  title: string;
  /** Non-overlapping edits, in document order. */
  edits: TextEdit[];
  /** Safe to apply without review: a migration with one correct answer. Only these join `fixAll`. */
  safe: boolean;
}

export type FixProvider = (text: string, finding: FixableFinding, lang: Lang) => Fix | undefined;

/** The digits of an xs:short as written ('+12', ' 012 '), with their offsets; undefined if not a number. */
function shortDigits(text: string, start: number, end: number): { value: number; start: number; end: number } | undefined {
  if (start < 0 || end > text.length || start >= end) return undefined;
  const m = /^\s*[+]?0*([0-9]+)\s*$/.exec(text.slice(start, end));
  if (!m) return undefined;
  // Replace the whole digit run, leading zeros included, so '012' becomes '29' and not '029'.
  const raw = text.slice(start, end);
  const first = raw.search(/[0-9]/);
  let last = first;
  while (last < raw.length && raw.charCodeAt(last) >= 48 && raw.charCodeAt(last) <= 57) last++;
  return { value: Number(m[1]), start: start + first, end: start + last };
}

/**
 * The edit that removes one element. When the range already takes the line break before the element (as
 * the rules' removalRange does), it is used as is; when the element stands alone on its line, the whole
 * line goes; otherwise only the element. Returns undefined when the range does not hold exactly one
 * element, e.g. because the document changed since the analysis.
 */
export function elementRemoval(text: string, start: number, end: number, expectedLocal?: string): TextEdit | undefined {
  if (start < 0 || end > text.length || start >= end) return undefined;
  let es = start;
  while (es < end && isBlank(text.charCodeAt(es))) es++;
  if (text.charCodeAt(es) !== 60 /* < */ || text.charCodeAt(end - 1) !== 62 /* > */) return undefined;
  const slice = text.slice(es, end);
  const parsed = parseXml(slice, { maxIssues: 1 });
  const root = parsed.root;
  // Unbound prefixes are expected: the namespace is declared on an ancestor outside the slice.
  if (!root || root.start !== 0 || root.end !== slice.length || !root.closed) return undefined;
  if (parsed.issues.some((i) => i.key !== 'xml.unboundPrefix')) return undefined;
  if (expectedLocal && root.local !== expectedLocal) return undefined;

  const lineStart = text.lastIndexOf('\n', es - 1) + 1;
  if (start < lineStart) return { start, end, newText: '' };
  const before = text.slice(lineStart, es);
  let eol = text.indexOf('\n', end);
  if (eol === -1) eol = text.length;
  const after = text.slice(end, eol);
  if (/^[ \t]*$/.test(before) && /^[ \t\r]*$/.test(after)) {
    return { start: lineStart, end: Math.min(eol + 1, text.length), newText: '' };
  }
  return { start: es, end, newText: '' };
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** True when a removal range holds markup (an XML element) rather than a cell of a mapping file (CSV). */
function isMarkup(text: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 60; /* < */
}

/**
 * The edit that empties one cell of a mapping file (server/src/mapping): the range must be exactly one cell
 * on one line, with a delimiter (`;` or `,`) or the line's end on both sides, and quotes, if any, around the
 * whole cell. The delimiters stay, so the other columns keep their places. Returns undefined when the range
 * no longer holds such a cell, e.g. because the document changed since the analysis.
 */
export function cellClearing(text: string, start: number, end: number): TextEdit | undefined {
  if (start < 0 || end > text.length || start >= end) return undefined;
  const before = start === 0 ? -1 : text.charCodeAt(start - 1);
  const after = end === text.length ? -1 : text.charCodeAt(end);
  const bound = (c: number) => c === -1 || c === 59 /* ; */ || c === 44 /* , */ || c === 10 || c === 13;
  if (!bound(before) || !bound(after)) return undefined;
  const cell = text.slice(start, end);
  if (/[\r\n]/.test(cell)) return undefined;
  const value = cell.trim();
  if (value.startsWith('"')) {
    if (!/^"(?:[^"]|"")*"$/.test(value)) return undefined;
  } else {
    for (const c of [before, after]) if ((c === 59 || c === 44) && cell.includes(String.fromCharCode(c))) return undefined;
  }
  return { start, end, newText: '' };
}

/** The element name a `what` names, when it is one (rules may also put a description there). */
function elementName(what: string | undefined): string | undefined {
  if (!what) return undefined;
  const m = /^(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)$/.exec(what.trim());
  return m ? m[1] : undefined;
}

/** deprecated-service-code: 12/13 → 29, removing the org number that 29 must not have. */
const replaceServiceCode: FixProvider = (text, finding, lang) => {
  const data = finding.data;
  if (!data || data.fix !== 'replace-service-code') return undefined;
  const digits = shortDigits(text, finding.start, finding.end);
  if (!digits || digits.value !== data.from) return undefined;
  const edits: TextEdit[] = [{ start: digits.start, end: digits.end, newText: String(data.to) }];
  if (data.removeOrg) {
    const { start, end } = data.removeOrg;
    const removal = isMarkup(text, start, end) ? elementRemoval(text, start, end) : cellClearing(text, start, end);
    if (!removal) return undefined;
    if (removal.start < digits.end && digits.start < removal.end) return undefined;
    edits.push(removal);
    edits.sort((a, b) => a.start - b.start);
  }
  const key = data.removeOrg ? 'fix.replaceServiceCodeRemoveOrg' : 'fix.replaceServiceCode';
  return { code: 'deprecated-service-code', title: t(lang, key, { from: data.from, to: data.to }), edits, safe: true };
};

/**
 * org-number-not-allowed: remove tjInstOrgnr where the service type must not have one (26, 29); in a
 * mapping file, empty the org number cell (`what` is then the column's header).
 */
const removeOrgNumber: FixProvider = (text, finding, lang) => {
  const data = finding.data;
  if (!data || data.fix !== 'remove-element') return undefined;
  if (!isMarkup(text, data.start, data.end)) {
    const clearing = cellClearing(text, data.start, data.end);
    if (!clearing) return undefined;
    return { code: 'org-number-not-allowed', title: t(lang, 'fix.removeOrgNumber', { what: data.what }), edits: [clearing], safe: true };
  }
  const removal = elementRemoval(text, data.start, data.end, elementName(data.what));
  if (!removal) return undefined;
  return {
    code: 'org-number-not-allowed',
    title: t(lang, 'fix.removeOrgNumber', { what: elementName(data.what) ?? 'tjInstOrgnr' }),
    edits: [removal],
    safe: true,
  };
};

/** One provider per rule code; a reader finds the fix of a code here by its name. */
export const FIX_PROVIDERS: ReadonlyMap<RuleCode, FixProvider> = new Map<RuleCode, FixProvider>([
  ['deprecated-service-code', replaceServiceCode],
  ['org-number-not-allowed', removeOrgNumber],
]);

/** The quick fix for one finding, or undefined when its code has none or the text no longer matches. */
export function fixFor(text: string, finding: FixableFinding, lang: Lang = 'en'): Fix | undefined {
  const provider = FIX_PROVIDERS.get(finding.code as RuleCode);
  return provider ? provider(text, finding, lang) : undefined;
}

export interface FixAllResult {
  /** Non-overlapping edits, in document order, against the original text. */
  edits: TextEdit[];
  /** How many findings were fixed. */
  fixed: number;
  /** Fixable findings left alone because their edits overlapped an earlier fix. */
  skipped: number;
}

/**
 * Every safe fix of the document at once (`source.fixAll.kpr`). A fix is taken whole or not at all; one
 * whose edits overlap an earlier fix is skipped (e.g. the org-number removal that a 12 → 29 fix already
 * does), so the result never depends on the order edits are applied in.
 */
export function fixAll(text: string, findings: readonly FixableFinding[]): FixAllResult {
  const fixes: Fix[] = [];
  for (const f of findings) {
    const fix = fixFor(text, f);
    if (fix?.safe && fix.edits.length > 0) fixes.push(fix);
  }
  fixes.sort((a, b) => a.edits[0].start - b.edits[0].start);
  const taken: TextEdit[] = [];
  let fixed = 0;
  let skipped = 0;
  for (const fix of fixes) {
    if (fix.edits.some((e) => overlapsAny(e, taken))) {
      skipped++;
      continue;
    }
    taken.push(...fix.edits);
    fixed++;
  }
  taken.sort((a, b) => a.start - b.start || a.end - b.end);
  return { edits: taken, fixed, skipped };
}

function overlapsAny(e: TextEdit, taken: readonly TextEdit[]): boolean {
  for (const o of taken) {
    // Two insertions at one point, or an insertion inside a replaced range, count as overlapping too.
    if (e.start < o.end && o.start < e.end) return true;
    if (e.start === o.start) return true;
  }
  return false;
}

/** Applies non-overlapping edits (offsets of `text`) and returns the new text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos) throw new Error(`overlapping edits at offset ${e.start}`);
    out += text.slice(pos, e.start) + e.newText;
    pos = e.end;
  }
  return out + text.slice(pos);
}
