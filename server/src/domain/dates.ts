/**
 * Calendar dates as KPR writes them: `YYYYMMDD` (the fagmelding's DatoType), `YYYYMM` (poVurdTann,
 * poVurdLege) and `YYYY-MM-DD` (xs:date, the identmelding's attributes).
 *
 * The schemas only check the form (digits, month 01–12, day 01–31); these helpers tell whether such a
 * date exists, and compare and shift valid ones. Pure functions, proleptic Gregorian calendar.
 */

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

/**
 * Why a date of the right length is not a date:
 * - 'form': not the pattern the schema asks for (wrong length, non-digits, month 13, day 32): the schema's job;
 * - 'year-zero': year 0000, which the Gregorian calendar (and XML Schema 1.0) does not have;
 * - 'not-leap-year': 29 February in a year that is not a leap year;
 * - 'day-not-in-month': day 30 or 31 in a month that is shorter (30 February, 31 April …).
 */
export type DateProblem = 'form' | 'year-zero' | 'not-leap-year' | 'day-not-in-month';

/** xs:date with an optional time zone; negative and five-digit years are left to the schema. */
const XS_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$/;

/**
 * The number written by `len` ASCII digits of `s` from `at`, or -1 when one is not a digit. Dates are read
 * this way rather than with a regular expression because every date of a whole-year extract passes here.
 */
function digitsAt(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1];
}

function problemOf(year: number, month: number, day: number): DateProblem | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return 'form';
  if (year === 0) return 'year-zero';
  if (day > daysInMonth(year, month)) return month === 2 && day === 29 ? 'not-leap-year' : 'day-not-in-month';
  return undefined;
}

function partsOf(m: RegExpExecArray): DateParts {
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** Why `s` (YYYYMMDD, taken as is: no trimming) is not an existing date, or undefined when it is one. */
export function yyyymmddProblem(s: string): DateProblem | undefined {
  const p = looseYyyymmdd(s);
  return p ? problemOf(p.year, p.month, p.day) : 'form';
}

/** The three numbers of an 8-digit string, whether or not they make a date. */
function looseYyyymmdd(s: string): DateParts | undefined {
  if (s.length !== 8) return undefined;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 4, 2);
  const day = digitsAt(s, 6, 2);
  return year < 0 || month < 0 || day < 0 ? undefined : { year, month, day };
}

export function isValidYyyymmdd(s: string): boolean {
  return yyyymmddProblem(s) === undefined;
}

/** The parts of an existing YYYYMMDD date, or undefined. */
export function parseYyyymmdd(s: string): DateParts | undefined {
  const p = looseYyyymmdd(s);
  return p && problemOf(p.year, p.month, p.day) === undefined ? p : undefined;
}

/** Why `s` (YYYYMM) is not an existing month, or undefined. Only year 0000 can make a well-formed one wrong. */
export function yyyymmProblem(s: string): DateProblem | undefined {
  if (s.length !== 6) return 'form';
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 4, 2);
  return year < 0 || month < 0 ? 'form' : problemOf(year, month, 1);
}

export function isValidYyyymm(s: string): boolean {
  return yyyymmProblem(s) === undefined;
}

/** Why `s` (xs:date, `YYYY-MM-DD` with an optional zone) is not an existing date, or undefined. */
export function xsDateProblem(s: string): DateProblem | undefined {
  const m = XS_DATE.exec(s);
  if (!m) return 'form';
  const p = partsOf(m);
  return problemOf(p.year, p.month, p.day);
}

/** An existing xs:date as YYYYMMDD (the zone is dropped: KPR periods are calendar days), or undefined. */
export function xsDateToYyyymmdd(s: string): string | undefined {
  const m = XS_DATE.exec(s);
  if (!m) return undefined;
  const p = partsOf(m);
  return problemOf(p.year, p.month, p.day) === undefined ? m[1] + m[2] + m[3] : undefined;
}

/** The parts of a date string of the right form, whether or not the date exists (for messages). */
export function looseParts(s: string): DateParts | undefined {
  const ymd = looseYyyymmdd(s);
  if (ymd) return ymd;
  const m = XS_DATE.exec(s);
  if (m) return partsOf(m);
  if (s.length !== 6) return undefined;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 4, 2);
  return year < 0 || month < 0 ? undefined : { year, month, day: 1 };
}

/** Compares two existing YYYYMMDD dates: negative when a is earlier, 0 when equal, positive when later. */
export function compareYyyymmdd(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function formatYyyymmdd(p: DateParts): string {
  return String(p.year).padStart(4, '0') + String(p.month).padStart(2, '0') + String(p.day).padStart(2, '0');
}

/**
 * Shifts an existing date by whole years (negative for earlier); 29 February becomes 28 February in a year
 * that is not a leap year, the way an anniversary falls.
 */
export function addYears(p: DateParts, years: number): DateParts {
  const year = p.year + years;
  return { year, month: p.month, day: Math.min(p.day, daysInMonth(year, p.month)) };
}

/** The day after an existing date. */
export function nextDay(p: DateParts): DateParts {
  if (p.day < daysInMonth(p.year, p.month)) return { ...p, day: p.day + 1 };
  if (p.month < 12) return { year: p.year, month: p.month + 1, day: 1 };
  return { year: p.year + 1, month: 1, day: 1 };
}

export const MONTH_NAMES: { nb: readonly string[]; en: readonly string[] } = {
  nb: ['januar', 'februar', 'mars', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'desember'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};
