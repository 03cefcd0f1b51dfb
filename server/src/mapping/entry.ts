/**
 * A mapping row read as what it means: local code → (service type, org number) during a period. Shared by
 * the checks of one file (duplicates, conflicts) and the cross-check against extracts.
 */
import { parseServiceCode } from '../domain/serviceCodes';
import { parseMappingDate } from './dates';
import { MappingRow } from './parse';

/** Written in the KPR code column for a local service that is deliberately not reported to KPR. */
export const NOT_REPORTED = new Set(['-', '–', '—']);

/** Before and after every real date, for open periods. */
export const OPEN_FROM = '00000000';
export const OPEN_TO = '99999999';

export interface MappingEntry {
  row: MappingRow;
  /** The local code as written (trimmed). */
  localCode: string;
  /** The local code as compared: Unicode-normalised and case-folded, since the same code is retyped by hand. */
  localKey: string;
  /** The service type when the KPR code cell holds an integer. */
  code?: number;
  /** The KPR code cell as written (trimmed). */
  codeText: string;
  /** The KPR code cell says the local service is not reported ("-"). */
  notReported: boolean;
  /** The org number as written (trimmed), '' when the row has none. */
  orgnr: string;
  /** The validity as YYYYMMDD, open ends as OPEN_FROM / OPEN_TO. */
  from: string;
  to: string;
  /** False when a date cell holds no valid date, or the period ends before it starts: the period is unknown. */
  periodKnown: boolean;
}

export function localKeyOf(localCode: string): string {
  // Most local codes are ASCII, which needs no Unicode normalisation (the costly part on 10,000 rows).
  return (/^[\x00-\x7f]*$/.test(localCode) ? localCode : localCode.normalize('NFC')).toLowerCase();
}

export function mappingEntry(row: MappingRow): MappingEntry {
  const f = row.fields;
  const localCode = f.localCode?.value ?? '';
  const codeText = f.kprCode?.value ?? '';
  let periodKnown = true;
  let from = OPEN_FROM;
  let to = OPEN_TO;
  if (f.validFrom && f.validFrom.value !== '') {
    const d = parseMappingDate(f.validFrom.value);
    if (d.ok) from = d.yyyymmdd;
    else periodKnown = false;
  }
  if (f.validTo && f.validTo.value !== '') {
    const d = parseMappingDate(f.validTo.value);
    if (d.ok) to = d.yyyymmdd;
    else periodKnown = false;
  }
  if (from > to) periodKnown = false;
  return {
    row,
    localCode,
    localKey: localKeyOf(localCode),
    code: parseServiceCode(codeText),
    codeText,
    notReported: NOT_REPORTED.has(codeText),
    orgnr: f.orgnr?.value ?? '',
    from,
    to,
    periodKnown,
  };
}

/** The entries of the rows that could be read into columns. */
export function mappingEntries(rows: readonly MappingRow[]): MappingEntry[] {
  const out: MappingEntry[] = [];
  for (const r of rows) if (!r.malformed) out.push(mappingEntry(r));
  return out;
}

/** What a row produces in an extract, as compared between rows: the service type and the org number. */
export function targetKey(e: MappingEntry): string {
  const code = e.notReported ? '-' : e.code !== undefined ? String(e.code) : e.codeText.toLowerCase();
  return `${code}|${e.notReported ? '' : e.orgnr}`;
}

/** Inclusive periods (YYYYMMDD) overlap when each starts no later than the other ends. */
export function overlaps(aFrom: string, aTo: string, bFrom: string, bTo: string): boolean {
  return aFrom <= bTo && bFrom <= aTo;
}
