/**
 * Findings (offsets, message keys) → LSP diagnostics (ranges, messages in the user's language, a link to
 * the rule's documentation, the fix data, related locations).
 */
import { pathToFileURL } from 'node:url';
import { Diagnostic, DiagnosticRelatedInformation, DiagnosticTag, Range } from 'vscode-languageserver';
import { Finding, RuleCode, Severity } from '../analysis/types';
import { Lang, t } from '../i18n';
import { maskPersonIds } from '../privacy';
import { LineIndex } from '../xml/lineIndex';
import { SeverityCounts } from './protocol';

export const DIAGNOSTIC_SOURCE = 'kpr';
export const GITHUB_DOCS_BASE = 'https://github.com/kpr-tools/kpr/blob/main/docs/rules/';

/** Where the text of another file can be found to place a related location precisely. */
export type TextLookup = (uri: string) => LineIndex | undefined;

export interface ConversionContext {
  uri: string;
  lines: LineIndex;
  /** Length of the text the offsets refer to (ranges are clamped to it). */
  length: number;
  lang: Lang;
  docsBase: string;
  relatedInformation: boolean;
  otherFile?: TextLookup;
}

/** Diagnostic tags that make the editor show the finding the way it reads: struck out or faded. */
const TAGS: Partial<Record<RuleCode, DiagnosticTag[]>> = {
  'deprecated-service-code': [DiagnosticTag.Deprecated],
  'org-number-not-allowed': [DiagnosticTag.Unnecessary],
};

export function docsHref(base: string, code: string): string {
  return (base.endsWith('/') ? base : base + '/') + encodeURIComponent(code) + '.md';
}

export function rangeOf(lines: LineIndex, length: number, start: number, end: number): Range {
  const s = Math.max(0, Math.min(start, length));
  const e = Math.max(s, Math.min(end, length));
  return { start: lines.positionAt(s), end: lines.positionAt(e) };
}

/** A related file as the rule named it: a URI as is, an absolute path as a file: URI. */
export function relatedUri(file: string): string {
  return /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(file) && !/^[a-zA-Z]:[\\/]/.test(file) ? file : pathToFileURL(file).href;
}

export function toDiagnostic(f: Finding, ctx: ConversionContext): Diagnostic {
  const d: Diagnostic = {
    range: rangeOf(ctx.lines, ctx.length, f.start, f.end),
    severity: f.severity,
    code: f.code,
    codeDescription: { href: docsHref(ctx.docsBase, f.code) },
    source: DIAGNOSTIC_SOURCE,
    // Rules mask what they quote; this is the last gate before a message leaves the process (as `kpr check` does).
    message: maskPersonIds(t(ctx.lang, f.key, f.args)),
  };
  const tags = TAGS[f.code];
  if (tags) d.tags = tags;
  if (f.data) d.data = f.data;
  if (ctx.relatedInformation && f.related && f.related.length > 0) {
    d.relatedInformation = f.related.map((r): DiagnosticRelatedInformation => {
      const message = maskPersonIds(t(ctx.lang, r.key, r.args ?? {}));
      if (!r.file) return { location: { uri: ctx.uri, range: rangeOf(ctx.lines, ctx.length, r.start, r.end) }, message };
      const uri = relatedUri(r.file);
      const lines = ctx.otherFile?.(uri);
      // Without the other file's text the place is unknown; its start still takes the user there.
      const range = lines ? rangeOf(lines, Number.MAX_SAFE_INTEGER, r.start, r.end) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
      return { location: { uri, range }, message };
    });
  }
  return d;
}

export function countSeverities(findings: readonly { severity: Severity }[]): SeverityCounts {
  const c: SeverityCounts = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const f of findings) {
    if (f.severity === Severity.Error) c.error++;
    else if (f.severity === Severity.Warning) c.warning++;
    else if (f.severity === Severity.Information) c.information++;
    else c.hint++;
  }
  return c;
}
