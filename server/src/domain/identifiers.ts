/**
 * Norwegian identifiers: organisasjonsnummer and person numbers (fødselsnummer, D-, H-, FH-numbers and
 * the synthetic test numbers), as described in DOMAIN.md §5.
 *
 * Pure functions, no I/O: used by the rules (org numbers in TJENESTE/DOGNTILBUD, fid in the identmelding,
 * a fødselsnummer leaking into the fagmelding) and by the fixture generator. Nothing here logs or throws a
 * person id; callers that show one must mask it (privacy.ts).
 */

/** Why an identifier is invalid. 'date' only applies to person numbers. */
export type IdProblem = 'length' | 'non-digit' | 'check-digit' | 'date';
export type OrgNumberProblem = Exclude<IdProblem, 'date'>;

/** The smallest random source the generators need: `next()` in [0, 1). test/fixtures/rng.ts implements it. */
export interface RandomSource {
  next(): number;
}

const ALL_DIGITS = /^[0-9]*$/;

function digitsOf(s: string): number[] {
  const out = new Array<number>(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) - 48;
  return out;
}

function weightedSum(digits: readonly number[], weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += digits[i] * weights[i];
  return sum;
}

/** 11 − (sum mod 11), where 11 becomes 0 and 10 means "no valid check digit" (undefined). */
function mod11Check(sum: number): number | undefined {
  const c = (11 - (sum % 11)) % 11;
  return c === 10 ? undefined : c;
}

function randomInt(rng: RandomSource, min: number, max: number): number {
  return min + Math.floor(rng.next() * (max - min + 1));
}

// ---------------------------------------------------------------------------------------------------------
// Organisasjonsnummer
// ---------------------------------------------------------------------------------------------------------

const ORG_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;

/** The check digit for the first 8 digits of an org number; undefined when none exists (remainder 10). */
export function orgNumberCheckDigit(first8: string): number | undefined {
  if (first8.length !== 8 || !ALL_DIGITS.test(first8)) return undefined;
  return mod11Check(weightedSum(digitsOf(first8), ORG_WEIGHTS));
}

/** Why `s` is not a valid organisasjonsnummer, or undefined when it is. No trimming or spaces allowed. */
export function orgNumberProblem(s: string): OrgNumberProblem | undefined {
  if (!ALL_DIGITS.test(s)) return 'non-digit';
  if (s.length !== 9) return 'length';
  const check = orgNumberCheckDigit(s.slice(0, 8));
  return check === undefined || check !== s.charCodeAt(8) - 48 ? 'check-digit' : undefined;
}

export function isValidOrgNumber(s: string): boolean {
  return orgNumberProblem(s) === undefined;
}

/**
 * A random valid org number. Real ones start with 8 or 9 (Enhetsregisteret's series), so these do too;
 * the 8-digit stem is redrawn when it has no valid check digit.
 */
export function makeOrgNumber(rng: RandomSource): string {
  for (;;) {
    let stem = String(randomInt(rng, 8, 9));
    for (let i = 0; i < 7; i++) stem += String(randomInt(rng, 0, 9));
    const check = orgNumberCheckDigit(stem);
    if (check !== undefined) return stem + String(check);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Person numbers
// ---------------------------------------------------------------------------------------------------------

/**
 * What kind of person number. A month + 40 number is reported as 'h-number' with `maybeDollyTest`, since
 * NAV Dolly's synthetic numbers use the same offset and the two cannot be told apart.
 */
export type PersonIdKind = 'fnr' | 'd-number' | 'h-number' | 'fh-number' | 'test-tenor';

export interface PersonIdInfo {
  /** Undefined only when the string is not 11 digits. */
  kind?: PersonIdKind;
  valid: boolean;
  /** Set exactly when `valid` is false. */
  problem?: IdProblem;
  /** ISO date 'YYYY-MM-DD' when the number carries a date and the century follows from the individual number. */
  birthDate?: string;
  /** Legal sex from the 9th digit (odd = male). Meaningless for numbers issued under the 2032 rules. */
  sex?: 'M' | 'K';
  /** Month + 40: an H-number, or a NAV Dolly test person. */
  maybeDollyTest?: boolean;
  /** Certainly a synthetic test person (Tenor, month + 80). */
  isTestPerson: boolean;
  /** The day carries the D-number offset (+40). True for kind 'd-number'; also possible on test numbers. */
  dayOffset: boolean;
  /** 'extended' when K1 only satisfies the rule in force from 2032 (weighted remainder 1, 2 or 3). */
  checkRule?: 'classic' | 'extended';
}

const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/**
 * The K1 values allowed for the first nine digits: the classic one first, then the ones the 2032 rule adds
 * (the weighted sum of the nine digits plus K1 may leave remainder 0, 1, 2 or 3). A value 10 is never a digit.
 */
export function allowedK1(first9: readonly number[]): number[] {
  const sum = weightedSum(first9, K1_WEIGHTS);
  const out: number[] = [];
  for (let remainder = 0; remainder <= 3; remainder++) {
    const k1 = (((remainder - sum) % 11) + 11) % 11;
    if (k1 !== 10) out.push(k1);
  }
  return out;
}

/** K2 over the nine digits and K1; undefined when it would be 10. */
export function computeK2(first10: readonly number[]): number | undefined {
  return mod11Check(weightedSum(first10, K2_WEIGHTS));
}

function checkDigitRule(d: readonly number[]): 'classic' | 'extended' | undefined {
  const k2 = computeK2(d);
  if (k2 === undefined || k2 !== d[10]) return undefined;
  const allowed = allowedK1(d.slice(0, 9));
  const classic = mod11Check(weightedSum(d, K1_WEIGHTS));
  if (classic !== undefined && classic === d[9]) return 'classic';
  return allowed.includes(d[9]) ? 'extended' : undefined;
}

/**
 * The full year for a two-digit year and an individual number (000–999), following Skatteetaten's series:
 * 000–499 → 1900s; 500–749 with year 54–99 → 1800s; 500–999 with year 00–39 → 2000s; 900–999 with year
 * 40–99 → 1900s. Undefined for combinations that were never issued.
 */
export function centuryYear(yy: number, individual: number): number | undefined {
  if (individual >= 0 && individual <= 499) return 1900 + yy;
  if (individual >= 500 && individual <= 749 && yy >= 54) return 1800 + yy;
  if (individual >= 500 && individual <= 999 && yy <= 39) return 2000 + yy;
  if (individual >= 900 && individual <= 999 && yy >= 40) return 1900 + yy;
  return undefined;
}

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Splits the date digits into kind offsets and a plain day/month; undefined when no known offset fits. */
function decodeDateDigits(dd: number, mm: number):
  | { day: number; month: number; dayOffset: boolean; monthOffset: 0 | 40 | 80 }
  | undefined {
  let day = dd;
  let dayOffset = false;
  if (dd >= 41 && dd <= 71) {
    day = dd - 40;
    dayOffset = true;
  }
  let month = mm;
  let monthOffset: 0 | 40 | 80 = 0;
  if (mm >= 41 && mm <= 52) {
    month = mm - 40;
    monthOffset = 40;
  } else if (mm >= 81 && mm <= 92) {
    month = mm - 80;
    monthOffset = 80;
  }
  if (day < 1 || day > 31 || month < 1 || month > 12) return undefined;
  return { day, month, dayOffset, monthOffset };
}

/**
 * Classifies and validates an 11-digit person number. The string is taken as is (no trimming): a caller
 * reading user input should strip spaces first.
 */
export function classifyPersonId(s: string): PersonIdInfo {
  if (!ALL_DIGITS.test(s)) return { valid: false, problem: 'non-digit', isTestPerson: false, dayOffset: false };
  if (s.length !== 11) return { valid: false, problem: 'length', isTestPerson: false, dayOffset: false };
  const d = digitsOf(s);
  const rule = checkDigitRule(d);
  const sex: 'M' | 'K' = d[8] % 2 === 1 ? 'M' : 'K';

  // FH-numbers (felles hjelpenummer) start with 8 or 9 and carry no date at all.
  if (d[0] >= 8) {
    const info: PersonIdInfo = { kind: 'fh-number', valid: rule !== undefined, isTestPerson: false, dayOffset: false };
    if (rule === undefined) info.problem = 'check-digit';
    else info.checkRule = rule;
    return info;
  }

  const dd = d[0] * 10 + d[1];
  const mm = d[2] * 10 + d[3];
  const yy = d[4] * 10 + d[5];
  const individual = d[6] * 100 + d[7] * 10 + d[8];
  const decoded = decodeDateDigits(dd, mm);

  let kind: PersonIdKind;
  if (decoded?.monthOffset === 80 || (!decoded && mm >= 81)) kind = 'test-tenor';
  else if (decoded?.monthOffset === 40 || (!decoded && mm >= 41 && mm <= 52)) kind = 'h-number';
  else if (decoded?.dayOffset || (!decoded && dd >= 41)) kind = 'd-number';
  else kind = 'fnr';

  const info: PersonIdInfo = {
    kind,
    valid: false,
    isTestPerson: kind === 'test-tenor',
    dayOffset: decoded?.dayOffset ?? (dd >= 41 && dd <= 71),
  };
  if (kind === 'h-number') info.maybeDollyTest = true;

  if (rule === undefined) {
    info.problem = 'check-digit';
    return info;
  }
  info.checkRule = rule;
  if (!decoded) {
    info.problem = 'date';
    return info;
  }
  const year = centuryYear(yy, individual);
  if (year === undefined) {
    info.problem = 'date';
    return info;
  }
  if (decoded.day > daysInMonth(year, decoded.month)) {
    info.problem = 'date';
    return info;
  }
  info.valid = true;
  info.birthDate = `${pad(year, 4)}-${pad(decoded.month, 2)}-${pad(decoded.day, 2)}`;
  info.sex = sex;
  return info;
}

export function isValidPersonId(s: string): boolean {
  return classifyPersonId(s).valid;
}

/**
 * True when `s` is exactly 11 digits and a valid number of one of `kinds` (default: fødselsnummer and
 * D-number). Used to flag a fødselsnummer where none may be, e.g. inside a fagmelding; H- and FH-numbers
 * are left out by default because random 11-digit values match them more often.
 */
export function looksLikePersonId(
  s: string,
  kinds: readonly PersonIdKind[] = ['fnr', 'd-number'],
): boolean {
  if (s.length !== 11) return false;
  const info = classifyPersonId(s);
  return info.valid && info.kind !== undefined && kinds.includes(info.kind);
}

// ---------------------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------------------

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export interface MakePersonIdOptions {
  kind: PersonIdKind;
  /** 'YYYY-MM-DD', 'YYYYMMDD' or a CalendarDate; ignored for FH-numbers. Random (1920–2020) when absent. */
  birthDate?: string | CalendarDate;
  /** Chooses the parity of the 9th digit (odd = male). Random when absent. */
  sex?: 'M' | 'K';
  /** 'extended' draws K1 among all values the 2032 rule allows instead of the classic one. */
  checkRule?: 'classic' | 'extended';
}

function parseCalendarDate(value: string | CalendarDate): CalendarDate {
  if (typeof value !== 'string') return value;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
  if (!m) throw new RangeError(`not a date (YYYY-MM-DD or YYYYMMDD): ${value}`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** The individual-number series (inclusive ranges) that encode `year`'s century. */
function individualRanges(year: number): Array<[number, number]> {
  if (year >= 1854 && year <= 1899) return [[500, 749]];
  if (year >= 1900 && year <= 1939) return [[0, 499]];
  if (year >= 1940 && year <= 1999) return [[0, 499], [900, 999]];
  if (year >= 2000 && year <= 2039) return [[500, 999]];
  throw new RangeError(`no person-number series covers birth year ${year}`);
}

function drawIndividual(rng: RandomSource, ranges: Array<[number, number]>, sex: 'M' | 'K' | undefined): number {
  const total = ranges.reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
  let k = randomInt(rng, 0, total - 1);
  let value = ranges[0][0];
  for (const [lo, hi] of ranges) {
    if (k <= hi - lo) {
      value = lo + k;
      break;
    }
    k -= hi - lo + 1;
  }
  if (sex !== undefined && (value % 2 === 1) !== (sex === 'M')) {
    // Flip the parity inside the same series: every series starts even and ends odd, so one step stays inside.
    value += value % 2 === 0 ? 1 : -1;
  }
  return value;
}

/** Appends K1 and K2 to nine digits, or returns undefined when the chosen K1 leaves no valid K2. */
function withCheckDigits(rng: RandomSource, first9: number[], rule: 'classic' | 'extended'): string | undefined {
  const candidates = allowedK1(first9);
  const classic = mod11Check(weightedSum(first9, K1_WEIGHTS));
  let k1: number | undefined;
  if (rule === 'classic') k1 = classic;
  else {
    // Prefer a K1 that only the 2032 rule accepts, so 'extended' numbers actually exercise that rule.
    const extendedOnly = candidates.filter((c) => c !== classic);
    const pool = extendedOnly.length > 0 ? extendedOnly : candidates;
    k1 = pool[randomInt(rng, 0, pool.length - 1)];
  }
  if (k1 === undefined) return undefined;
  const first10 = [...first9, k1];
  const k2 = computeK2(first10);
  if (k2 === undefined) return undefined;
  return first10.join('') + String(k2);
}

/**
 * A random person number of `kind` with valid check digits. For dated kinds the individual number is
 * drawn from the series of the birth year and redrawn until K1 and K2 exist. Throws a RangeError for a
 * birth date no series covers (before 1854 or after 2039) or that does not exist.
 */
export function makePersonId(rng: RandomSource, options: MakePersonIdOptions): string {
  const rule = options.checkRule ?? 'classic';
  if (options.kind === 'fh-number') {
    for (;;) {
      const first9 = [randomInt(rng, 8, 9)];
      for (let i = 1; i < 9; i++) first9.push(randomInt(rng, 0, 9));
      const id = withCheckDigits(rng, first9, rule);
      if (id !== undefined) return id;
    }
  }
  const birth = options.birthDate
    ? parseCalendarDate(options.birthDate)
    : (() => {
        const year = randomInt(rng, 1920, 2020);
        const month = randomInt(rng, 1, 12);
        return { year, month, day: randomInt(rng, 1, daysInMonth(year, month)) };
      })();
  if (birth.month < 1 || birth.month > 12 || birth.day < 1 || birth.day > daysInMonth(birth.year, birth.month)) {
    throw new RangeError(`no such date: ${birth.year}-${birth.month}-${birth.day}`);
  }
  const ranges = individualRanges(birth.year);
  const dd = birth.day + (options.kind === 'd-number' ? 40 : 0);
  const mm = birth.month + (options.kind === 'h-number' ? 40 : options.kind === 'test-tenor' ? 80 : 0);
  const datePart = pad(dd, 2) + pad(mm, 2) + pad(birth.year % 100, 2);
  for (;;) {
    const individual = drawIndividual(rng, ranges, options.sex);
    const first9 = digitsOf(datePart + pad(individual, 3));
    const id = withCheckDigits(rng, first9, rule);
    if (id !== undefined) return id;
  }
}
