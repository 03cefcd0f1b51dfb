/**
 * Reads a mapping file (`.kprmap`, `.kprmap.csv`): CSV the way Excel writes it in Norway, `;` between cells
 * (`,` also accepted, chosen from the header line), RFC 4180 quoting (a quoted cell may hold the delimiter,
 * doubled quotes and line breaks), `#` comment lines, CRLF, LF or CR line ends.
 *
 * The reader is tolerant and bounded: it never throws, keeps exact offsets for every cell (so diagnostics
 * and quick fixes land on the right characters), and turns whatever it cannot read into an issue while it
 * goes on with the next row. Lines and quoted cells have hard size limits, so a binary file, a 1 MB line
 * or a stray quote costs time linear in the file and memory bounded by its rows, never a hang.
 */
import { MessageArgs, registerMessages } from '../i18n';
import { maskPersonIds } from '../privacy';
import { Severity } from '../analysis/types';
import { CANONICAL_NAMES, canonicalHeader, COLUMN_LABEL, columnOf, DEFAULT_COLUMNS, MappingField, REQUIRED_COLUMNS } from './columns';

registerMessages({
  'mapping.binary': {
    nb: 'Filen inneholder NUL-tegn og er ikke en tekstfil. En mappingfil er CSV (semikolon-separert tekst), f.eks. lagret fra Excel som «CSV UTF-8».',
    en: 'The file contains NUL characters and is not a text file. A mapping file is CSV (semicolon-separated text), e.g. saved from Excel as "CSV UTF-8".',
  },
  'mapping.empty': {
    nb: 'Filen er tom. Begynn med en overskriftslinje, f.eks. {header}',
    en: 'The file is empty. Start with a header line, e.g. {header}',
  },
  'mapping.noHeader': {
    nb: 'Første linje er ikke en overskriftslinje: ingen av cellene er et kolonnenavn mappingen kjenner. Legg inn en overskrift først, f.eks. {header}. Inntil da leses filen i denne kolonnerekkefølgen.',
    en: 'The first line is not a header line: none of its cells is a column name the mapping knows. Add a header first, e.g. {header}. Until then the file is read in that column order.',
  },
  'mapping.missingColumn': {
    nb: 'Overskriften mangler den påkrevde kolonnen for {labelNb} (f.eks. «{name}»). Radene kan ikke mappes uten den; resten av filen sjekkes likevel.',
    en: 'The header lacks the required column for the {labelEn} (e.g. "{name}"). The rows cannot be mapped without it; the rest of the file is still checked.',
  },
  'mapping.unknownColumn': {
    nb: 'Kolonnen «{name}» er ikke en kolonne mappingen bruker, og blir ikke lest. Kjente kolonner: {known}.',
    en: 'The column "{name}" is not one the mapping uses and is not read. Known columns: {known}.',
  },
  'mapping.duplicateColumn': {
    nb: 'Kolonnen «{name}» er samme kolonne som «{first}» (kolonne {firstIndex}); bare den første leses.',
    en: 'The column "{name}" is the same column as "{first}" (column {firstIndex}); only the first is read.',
  },
  'mapping.tooManyCells': {
    nb: 'Raden har {count} celler, men overskriften har {columns} kolonner. Står det et {delimiterNb} i et navn uten anførselstegn rundt? Raden hoppes over.',
    en: 'The row has {count} cells, but the header has {columns} columns. Is there a {delimiterEn} in a name without quotes around it? The row is skipped.',
  },
  'mapping.tooFewCells': {
    nb: 'Raden har {count} celler, men overskriften har {columns} kolonner; de manglende cellene leses som tomme.',
    en: 'The row has {count} cells, but the header has {columns} columns; the missing cells are read as empty.',
  },
  'mapping.otherDelimiter': {
    nb: 'Raden er skilt med «{found}», men overskriften med «{delimiter}». Bruk samme skilletegn i hele filen; raden leses med «{found}».',
    en: 'The row is separated by "{found}", but the header by "{delimiter}". Use one delimiter in the whole file; the row is read with "{found}".',
  },
  'mapping.unterminatedQuote': {
    nb: 'Anførselstegnet åpner en celle som aldri lukkes (innen {lines} linjer). Raden hoppes over; sjekken fortsetter på neste linje.',
    en: 'The quote opens a cell that is never closed (within {lines} lines). The row is skipped; checking goes on with the next line.',
  },
  'mapping.textAfterQuote': {
    nb: 'Tekst etter det avsluttende anførselstegnet i cellen. Et anførselstegn inne i en celle i anførselstegn skrives dobbelt ("").',
    en: 'Text after the closing quote of the cell. A quote inside a quoted cell is written twice ("").',
  },
  'mapping.lineTooLong': {
    nb: 'Linjen er {length} tegn lang; en mappingrad er langt kortere. Linjen hoppes over.',
    en: 'The line is {length} characters long; a mapping row is far shorter. The line is skipped.',
  },
  'mapping.tooManyColumns': {
    nb: 'Linjen har mer enn {max} celler. Den hoppes over.',
    en: 'The line has more than {max} cells. It is skipped.',
  },
});

export type Delimiter = ';' | ',';

export interface MappingCell {
  /** The value: quotes removed, doubled quotes undone, surrounding blanks trimmed. */
  value: string;
  /** The cell as written, from after the delimiter before it to the delimiter after it (quotes included). */
  start: number;
  end: number;
  /** Where the value is written: inside the quotes, without surrounding blanks (empty cell: start = end). */
  valueStart: number;
  valueEnd: number;
  quoted: boolean;
}

export interface MappingRow {
  /** 0-based line of the row's first character. */
  line: number;
  /** The row's text, without its line break. */
  start: number;
  end: number;
  cells: MappingCell[];
  /** The cells of the known columns, by the header's column order. */
  fields: Partial<Record<MappingField, MappingCell>>;
  /** The row could not be read into columns (an issue says why); checks and the cross-check skip it. */
  malformed?: boolean;
}

export interface MappingHeader {
  line: number;
  start: number;
  end: number;
  cells: MappingCell[];
  /** The field of each column, undefined for a column the mapping does not read (or a repeated one). */
  columns: (MappingField | undefined)[];
  /** The column index of each field present. */
  index: Partial<Record<MappingField, number>>;
  /** The header text of each field present, as written (for messages: "orgnr «123» …"). */
  names: Partial<Record<MappingField, string>>;
  /** False when the first line was no header and the documented column order is assumed. */
  present: boolean;
}

/** A problem reading the file; always reported as `mapping-format`. */
export interface ParseIssue {
  start: number;
  end: number;
  key: string;
  args: MessageArgs;
  /** When the issue is less than an error (the default of mapping-format). */
  severity?: Severity;
}

export interface ParsedMapping {
  delimiter: Delimiter;
  header?: MappingHeader;
  rows: MappingRow[];
  issues: ParseIssue[];
  /** True when the text is not a text file (NUL characters); nothing else is read then. */
  binary: boolean;
}

/** A row longer than this is not a mapping row (real ones are a few hundred characters). */
export const MAX_LINE_LENGTH = 10_000;
/** A quoted cell may hold line breaks, but one spanning more lines than this is a stray quote. */
export const MAX_QUOTED_LINES = 50;
/** More cells than this on one line is not a table a municipality keeps by hand. */
export const MAX_CELLS = 200;

const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const HASH = 35;

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** The end of the physical line starting at or containing `pos` (the offset of its line break, or the text's end). */
function lineEnd(text: string, pos: number): number {
  for (let i = pos; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) return i;
  }
  return text.length;
}

/** The offset after the line break at `pos` (CRLF, LF or CR), or `pos` at the text's end. */
function afterBreak(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c === CR) return text.charCodeAt(pos + 1) === LF ? pos + 2 : pos + 1;
  if (c === LF) return pos + 1;
  return pos;
}

interface RawRecord {
  cells: MappingCell[];
  /** End of the record's content (before its line break). */
  end: number;
  /** Start of the next record. */
  next: number;
  /** Line breaks inside quoted cells. */
  breaks: number;
  issues: ParseIssue[];
  malformed: boolean;
}

function trimmedCell(text: string, start: number, end: number): MappingCell {
  let vs = start;
  let ve = end;
  while (vs < ve && isBlank(text.charCodeAt(vs))) vs++;
  while (ve > vs && isBlank(text.charCodeAt(ve - 1))) ve--;
  return { value: text.slice(vs, ve), start, end, valueStart: vs, valueEnd: ve, quoted: false };
}

/**
 * Reads one record from `pos` with delimiter `d`. With `quotes` false a '"' is an ordinary character (the
 * fallback for a row whose quote never closes).
 */
function readRecord(text: string, pos: number, d: number, quotes = true): RawRecord {
  const len = text.length;
  const cells: MappingCell[] = [];
  const issues: ParseIssue[] = [];
  let breaks = 0;
  let p = pos;
  for (;;) {
    const cellStart = p;
    let q = p;
    while (q < len && isBlank(text.charCodeAt(q))) q++;
    if (quotes && q < len && text.charCodeAt(q) === QUOTE) {
      let r = q + 1;
      let value = '';
      let chunk = r;
      let closed = -1;
      let lines = 0;
      while (r < len && r - pos <= MAX_LINE_LENGTH) {
        const c = text.charCodeAt(r);
        if (c === QUOTE) {
          if (text.charCodeAt(r + 1) === QUOTE) {
            value += text.slice(chunk, r + 1);
            r += 2;
            chunk = r;
            continue;
          }
          closed = r;
          break;
        }
        if (c === LF || c === CR) {
          if (++lines > MAX_QUOTED_LINES) break;
          if (c === CR && text.charCodeAt(r + 1) === LF) r++;
        }
        r++;
      }
      if (closed === -1) {
        // Read the physical line again with quotes as plain characters, so its cells can still be located.
        const fallback = readRecord(text, pos, d, false);
        fallback.issues.unshift({ start: q, end: q + 1, key: 'mapping.unterminatedQuote', args: { lines: MAX_QUOTED_LINES } });
        fallback.malformed = true;
        return fallback;
      }
      breaks += lines;
      value += text.slice(chunk, closed);
      let s = closed + 1;
      while (s < len) {
        const c = text.charCodeAt(s);
        if (c === d || c === LF || c === CR) break;
        s++;
      }
      const trailing = text.slice(closed + 1, s);
      if (trailing.trim() !== '') {
        issues.push({ start: closed + 1, end: s, key: 'mapping.textAfterQuote', args: {}, severity: Severity.Warning });
        value += trailing;
      }
      let vs = q + 1;
      let ve = closed;
      while (vs < ve && isBlank(text.charCodeAt(vs))) vs++;
      while (ve > vs && isBlank(text.charCodeAt(ve - 1))) ve--;
      cells.push({ value: value.trim(), start: cellStart, end: s, valueStart: vs, valueEnd: ve, quoted: true });
      p = s;
    } else {
      let r = q;
      while (r < len) {
        const c = text.charCodeAt(r);
        if (c === d || c === LF || c === CR) break;
        r++;
      }
      cells.push(trimmedCell(text, cellStart, r));
      p = r;
    }
    if (p < len && text.charCodeAt(p) === d) {
      p++;
      if (cells.length >= MAX_CELLS) {
        const e = lineEnd(text, p);
        issues.push({ start: pos, end: e, key: 'mapping.tooManyColumns', args: { max: MAX_CELLS } });
        return { cells, end: e, next: afterBreak(text, e), breaks, issues, malformed: true };
      }
      continue;
    }
    break;
  }
  return { cells, end: p, next: afterBreak(text, p), breaks, issues, malformed: false };
}

/** Counts a delimiter outside quotes on the header line. */
function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (c === ch && !inQuotes) n++;
  }
  return n;
}

/** The delimiter of a header line: the one used more often outside quotes; `;` on a tie (Excel in Norway). */
export function detectDelimiter(headerLine: string): Delimiter {
  return countOutsideQuotes(headerLine, ',') > countOutsideQuotes(headerLine, ';') ? ',' : ';';
}

function isEmptyRecord(cells: readonly MappingCell[]): boolean {
  for (const c of cells) if (c.value !== '') return false;
  return true;
}

function buildHeader(rec: RawRecord, line: number, start: number): { header: MappingHeader; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  const columns: (MappingField | undefined)[] = [];
  const index: MappingHeader['index'] = {};
  const names: MappingHeader['names'] = {};
  const known = Object.values(CANONICAL_NAMES).join(', ');
  rec.cells.forEach((cell, i) => {
    const field = cell.value === '' ? undefined : columnOf(cell.value);
    if (field === undefined) {
      columns.push(undefined);
      if (cell.value !== '') {
        issues.push({ start: cell.valueStart, end: cell.valueEnd, key: 'mapping.unknownColumn', args: { name: shown(cell.value), known }, severity: Severity.Information });
      }
      return;
    }
    const first = index[field];
    if (first !== undefined) {
      columns.push(undefined);
      issues.push({
        start: cell.valueStart,
        end: cell.valueEnd,
        key: 'mapping.duplicateColumn',
        args: { name: shown(cell.value), first: names[field] ?? '', firstIndex: first + 1 },
        severity: Severity.Warning,
      });
      return;
    }
    columns.push(field);
    index[field] = i;
    names[field] = cell.value;
  });
  return { header: { line, start, end: rec.end, cells: rec.cells, columns, index, names, present: true }, issues };
}

function assumedHeader(line: number, start: number): MappingHeader {
  const index: MappingHeader['index'] = {};
  const names: MappingHeader['names'] = {};
  DEFAULT_COLUMNS.forEach((f, i) => {
    index[f] = i;
    names[f] = CANONICAL_NAMES[f];
  });
  return { line, start, end: start, cells: [], columns: [...DEFAULT_COLUMNS], index, names, present: false };
}

function rowFrom(rec: RawRecord, header: MappingHeader, line: number, start: number): MappingRow {
  const fields: MappingRow['fields'] = {};
  for (let i = 0; i < header.columns.length && i < rec.cells.length; i++) {
    const f = header.columns[i];
    if (f !== undefined) fields[f] = rec.cells[i];
  }
  const row: MappingRow = { line, start, end: rec.end, cells: rec.cells, fields };
  if (rec.malformed) row.malformed = true;
  return row;
}

/**
 * Extra empty cells at the end of a row are harmless (Excel writes the whole used range) unless they come
 * from a delimiter inside a name, which shifts the row: then the KPR code column holds something else.
 */
function plausibleCode(cell: MappingCell | undefined): boolean {
  const v = cell?.value ?? '';
  return v === '' || /^\+?[0-9]{1,4}$/.test(v) || v === '-' || v === '–' || v === '—';
}

/**
 * A value as it may appear in a message: long values are cut, so a 1 MB cell never becomes a 1 MB message,
 * and person numbers are masked, since a careless export can put a fødselsnummer in any cell.
 */
export function shown(value: string, max = 60): string {
  // Masked before cutting, so a number cut at the end cannot slip through as a shorter run.
  const masked = maskPersonIds(value);
  return masked.length <= max ? masked : masked.slice(0, max - 1) + '…';
}

/** Parses a mapping file's text. Never throws. */
export function parseMapping(text: string): ParsedMapping {
  const issues: ParseIssue[] = [];
  const rows: MappingRow[] = [];
  const nul = text.indexOf('\0');
  if (nul !== -1 && nul < 8192) {
    issues.push({ start: 0, end: Math.min(1, text.length), key: 'mapping.binary', args: {} });
    return { delimiter: ';', rows, issues, binary: true };
  }

  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  let delimiter: Delimiter = ';';
  let header: MappingHeader | undefined;
  const len = text.length;

  while (pos < len) {
    const eol = lineEnd(text, pos);
    let first = pos;
    while (first < eol && isBlank(text.charCodeAt(first))) first++;
    if (first === eol || text.charCodeAt(first) === HASH) {
      pos = afterBreak(text, eol);
      line++;
      continue;
    }
    if (eol - pos > MAX_LINE_LENGTH) {
      issues.push({ start: pos, end: pos + 1, key: 'mapping.lineTooLong', args: { length: eol - pos } });
      pos = afterBreak(text, eol);
      line++;
      continue;
    }
    if (!header) delimiter = detectDelimiter(text.slice(pos, eol));
    const d = delimiter.charCodeAt(0);
    let rec = readRecord(text, pos, d);
    if (!header && !rec.malformed && isEmptyRecord(rec.cells)) {
      // Rows of only delimiters above the header: Excel's empty rows.
      pos = rec.next;
      line += 1 + rec.breaks;
      continue;
    }
    if (!header) {
      const built = buildHeader(rec, line, pos);
      if (built.header.columns.every((c) => c === undefined)) {
        // Nothing recognised: probably data without a header. Read it in the documented order, as data.
        issues.push({ start: pos, end: rec.end, key: 'mapping.noHeader', args: { header: canonicalHeader(delimiter) } });
        header = assumedHeader(line, pos);
      } else {
        header = built.header;
        issues.push(...rec.issues, ...built.issues);
        for (const f of REQUIRED_COLUMNS) {
          if (header.index[f] === undefined) {
            issues.push({ start: pos, end: rec.end, key: 'mapping.missingColumn', args: { labelNb: COLUMN_LABEL[f].nb, labelEn: COLUMN_LABEL[f].en, name: CANONICAL_NAMES[f] } });
          }
        }
        pos = rec.next;
        line += 1 + rec.breaks;
        continue;
      }
    }
    const columns = header.columns.length;
    if (!rec.malformed && rec.cells.length === 1 && columns > 1) {
      // A row written with the other delimiter reads as one cell; read it again with that one.
      const other: Delimiter = delimiter === ';' ? ',' : ';';
      const again = readRecord(text, pos, other.charCodeAt(0));
      // Only when the other delimiter yields the required columns; a lone comma in a name is not a delimiter.
      const needed = Math.min(columns, Math.max(header.index.localCode ?? 0, header.index.kprCode ?? 0) + 1);
      if (!again.malformed && again.cells.length > 1 && again.cells.length >= needed) {
        issues.push({ start: pos, end: again.end, key: 'mapping.otherDelimiter', args: { found: other, delimiter }, severity: Severity.Warning });
        rec = again;
      }
    }
    issues.push(...rec.issues);
    const row = rowFrom(rec, header, line, pos);
    if (!rec.malformed && !isEmptyRecord(rec.cells)) {
      let filled = rec.cells.length;
      while (filled > columns && rec.cells[filled - 1].value === '') filled--;
      if (filled > columns || (rec.cells.length > columns && !plausibleCode(row.fields.kprCode))) {
        issues.push({
          start: pos,
          end: rec.end,
          key: 'mapping.tooManyCells',
          args: { count: rec.cells.length, columns, ...(delimiter === ';' ? { delimiterNb: 'semikolon', delimiterEn: 'semicolon' } : { delimiterNb: 'komma', delimiterEn: 'comma' }) },
        });
        row.malformed = true;
      } else if (header.columns.slice(rec.cells.length).some((c) => c !== undefined)) {
        // Only cells of columns the mapping reads are worth a warning; unknown trailing columns lose nothing.
        issues.push({ start: pos, end: rec.end, key: 'mapping.tooFewCells', args: { count: rec.cells.length, columns }, severity: Severity.Warning });
      }
    }
    if (row.malformed || !isEmptyRecord(rec.cells)) rows.push(row);
    pos = rec.next;
    line += 1 + rec.breaks;
  }

  if (!header) {
    issues.push({ start: 0, end: Math.min(1, len), key: 'mapping.empty', args: { header: canonicalHeader(';') }, severity: Severity.Information });
  }
  return { delimiter, header, rows, issues, binary: false };
}
