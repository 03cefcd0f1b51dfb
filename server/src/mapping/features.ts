/**
 * Hover and completion in mapping files, beside the XML ones (features/hover.ts, features/completion.ts)
 * and with the same texts: on the KPR code column a service code says its name and org-number rule, and
 * completion offers the valid codes of list 9151; on the header a column name says what the column holds.
 */
import { SERVICE_CODES } from '../domain/serviceCodes';
import type { CompletionEntry, CompletionResult } from '../features/completion';
// Registers the completion texts shared with extracts (the type import above alone is erased).
import '../features/completion';
import { HoverResult, serviceCodeHover } from '../features/hover';
import { Lang, registerMessages, t } from '../i18n';
import { CANONICAL_NAMES, COLUMN_INFO, MappingField } from './columns';
import { NOT_REPORTED } from './entry';
import { MappingCell, MappingRow, ParsedMapping, parseMapping } from './parse';

registerMessages({
  'mapping.hover.notReported': {
    nb: '**-** – rapporteres ikke til KPR: den lokale tjenesten er med i tabellen, men skal ikke i uttrekket.',
    en: '**-** – not reported to KPR: the local service is in the table, but is not to be in the extract.',
  },
  'mapping.hover.unknownColumn': {
    nb: 'Denne kolonnen leses ikke av KPR-sjekkene. Kjente kolonner: {known}.',
    en: 'The KPR checks do not read this column. Known columns: {known}.',
  },
  'mapping.completion.notReported': { nb: 'Rapporteres ikke til KPR', en: 'Not reported to KPR' },
});

export interface MappingFeatureOptions {
  lang: Lang;
  /** The parse of `text` when the caller has it (the language server keeps one per version). */
  parsed?: ParsedMapping;
}

type Located = { row: MappingRow; cell: MappingCell; field: MappingField | undefined } | { header: true; cell: MappingCell; field: MappingField | undefined };

/** The last element whose start is at or before `offset` (rows are in document order). */
function rowAt(rows: readonly MappingRow[], offset: number): MappingRow | undefined {
  let lo = 0;
  let hi = rows.length - 1;
  let found: MappingRow | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].start <= offset) {
      found = rows[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found && offset <= found.end ? found : undefined;
}

function cellAt(cells: readonly MappingCell[], offset: number): number {
  for (let i = 0; i < cells.length; i++) if (cells[i].start <= offset && offset <= cells[i].end) return i;
  return -1;
}

function locate(parsed: ParsedMapping, offset: number): Located | undefined {
  const header = parsed.header;
  if (!header) return undefined;
  if (header.present && header.start <= offset && offset <= header.end) {
    const i = cellAt(header.cells, offset);
    return i === -1 ? undefined : { header: true, cell: header.cells[i], field: header.columns[i] };
  }
  const row = rowAt(parsed.rows, offset);
  if (!row) return undefined;
  const i = cellAt(row.cells, offset);
  return i === -1 ? undefined : { row, cell: row.cells[i], field: header.columns[i] };
}

/** The hover at `offset` of a mapping file, or undefined where there is nothing to say. */
export function mappingHoverAt(text: string, offset: number, options: MappingFeatureOptions): HoverResult | undefined {
  const parsed = options.parsed ?? parseMapping(text);
  const spot = locate(parsed, offset);
  if (!spot) return undefined;
  const { cell, field } = spot;
  const lang = options.lang;
  if (cell.valueStart === cell.valueEnd || offset < cell.valueStart || offset > cell.valueEnd) return undefined;
  const range = { start: cell.valueStart, end: cell.valueEnd };
  if ('header' in spot) {
    const markdown = field
      ? `**${cell.value}**\n\n${COLUMN_INFO[field][lang]}`
      : `**${cell.value}**\n\n${t(lang, 'mapping.hover.unknownColumn', { known: Object.values(CANONICAL_NAMES).join(', ') })}`;
    return { markdown, ...range };
  }
  if (field !== 'kprCode') return undefined;
  if (NOT_REPORTED.has(cell.value)) return { markdown: t(lang, 'mapping.hover.notReported'), ...range };
  return { markdown: serviceCodeHover(cell.value, lang), ...range };
}

function isCodeChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 43; /* + */
}

/** The service codes to offer at `offset`, or undefined when the caret is not in the KPR code column of a row. */
export function mappingCompletionAt(text: string, offset: number, options: MappingFeatureOptions): CompletionResult | undefined {
  const parsed = options.parsed ?? parseMapping(text);
  const spot = locate(parsed, offset);
  if (!spot || 'header' in spot || spot.field !== 'kprCode') return undefined;
  const cell = spot.cell;
  const lo = cell.quoted ? cell.valueStart : cell.start;
  const hi = cell.quoted ? cell.valueEnd : cell.end;
  if (offset < lo || offset > hi) return undefined;
  let start = offset;
  while (start > lo && isCodeChar(text.charCodeAt(start - 1))) start--;
  let end = offset;
  while (end < hi && isCodeChar(text.charCodeAt(end))) end++;
  const lang = options.lang;
  const orgKey = { required: 'completion.orgRequired', optional: 'completion.orgOptional', forbidden: 'completion.orgForbidden' } as const;
  const items: CompletionEntry[] = SERVICE_CODES.map((c) => ({
    label: String(c.code),
    detail: c[lang],
    documentation: serviceCodeHover(String(c.code), lang),
    sortText: String(c.code).padStart(3, '0'),
    description: t(lang, orgKey[c.orgNumber]),
  }));
  items.push({
    label: '-',
    detail: t(lang, 'mapping.completion.notReported'),
    documentation: t(lang, 'mapping.hover.notReported'),
    sortText: '999',
    description: '',
  });
  return { start, end, items };
}
