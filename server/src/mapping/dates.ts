/**
 * Dates in a mapping file, as people and Excel write them in Norway: `YYYY-MM-DD` (ISO, Excel's "CSV UTF-8"
 * with an ISO cell format), `DD.MM.YYYY` (Excel's Norwegian short date; `D.M.YYYY` too) and `YYYYMMDD` (as in
 * the extracts). All are compared as YYYYMMDD.
 */
import { DateProblem, formatYyyymmdd, yyyymmddProblem } from '../domain/dates';

export type MappingDate = { ok: true; yyyymmdd: string } | { ok: false; problem: DateProblem; parts?: { year: number; month: number; day: number } };

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const NORWEGIAN = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;

/** Reads a date cell's value (trimmed, non-empty). */
export function parseMappingDate(value: string): MappingDate {
  let m = ISO.exec(value);
  let parts: { year: number; month: number; day: number } | undefined;
  if (m) parts = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  else if ((m = NORWEGIAN.exec(value))) parts = { year: Number(m[3]), month: Number(m[2]), day: Number(m[1]) };
  else if ((m = COMPACT.exec(value))) parts = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (!parts) return { ok: false, problem: 'form' };
  const yyyymmdd = formatYyyymmdd(parts);
  const problem = yyyymmddProblem(yyyymmdd);
  return problem === undefined ? { ok: true, yyyymmdd } : { ok: false, problem, parts };
}
