/**
 * date-invalid: a date of the right form that does not exist (20230231, 20230229, year 0000).
 *
 * The schema checks the form (DatoType: 8 digits, month 01–12, day 01–31; xs:date) and reports everything
 * else; this rule covers what a pattern cannot see, so the two never report the same value twice.
 */
import { DateProblem, looseParts, MONTH_NAMES, xsDateProblem, yyyymmddProblem, yyyymmProblem } from '../domain/dates';
import { Severity } from '../analysis/types';
import { registerMessages } from '../i18n';
import { XmlElement } from '../xml/parser';
import { Rule, RuleContext } from './rule';

registerMessages({
  'date-invalid.dayNotInMonth': {
    nb: '{name} {value} er ikke en dato som finnes: {day}. {monthNb} finnes ikke.',
    en: '{name} {value} is not a real date: there is no {monthEn} {day}.',
  },
  'date-invalid.notLeapYear': {
    nb: '{name} {value} er ikke en dato som finnes: {year} er ikke et skuddår, så 29. februar finnes ikke.',
    en: '{name} {value} is not a real date: {year} is not a leap year, so there is no February 29.',
  },
  'date-invalid.yearZero': {
    nb: '{name} {value} er ikke en dato som finnes: år 0000 finnes ikke i kalenderen.',
    en: '{name} {value} is not a real date: there is no year 0000 in the calendar.',
  },
});

/**
 * Every element of type DatoType (YYYYMMDD) in IPLOS(2018)rev2018_10_10.xsd, listed once by hand from the
 * schema: INNHINFO, PERSON, PERSONOPPL, FUNKSJON, TJENESTE, DIAGNOSE and DOGNTILBUD.
 */
export const DATE_ELEMENTS: ReadonlySet<string> = new Set([
  'iiFraDato', 'iiTilDato', 'iiLagetDato',
  'peFraDato', 'peDodDato', 'peEndrDato',
  'poLegeMiddGjDato', 'poErnKartlagtDato', 'poErnRisikoDato', 'poErnPlanDato', 'poFraDato', 'poTilDato',
  'fnFraDato', 'fnTilDato',
  'tjSoknadDato', 'tjVedtDato', 'tjFraDato', 'tjTilDato', 'tjKlageMottatt', 'tjKlageBesvart',
  'diFraDato', 'diTilDato',
  'dgFraDato', 'dgTilDato',
]);

/** The year-month elements (YYYYMM) of PERSONOPPL. */
export const MONTH_ELEMENTS: ReadonlySet<string> = new Set(['poVurdTann', 'poVurdLege']);

/** The identmelding's xs:date attributes on Melding (XPR(ide).xsd). */
export const IDENT_DATE_ATTRIBUTES = ['fraDatoPeriode', 'tilDatoPeriode', 'uttakDato'] as const;

/** One lookup per element: 8 for YYYYMMDD, 6 for YYYYMM. */
const DATE_LENGTH = new Map<string, 8 | 6>([...[...DATE_ELEMENTS].map((n) => [n, 8] as const), ...[...MONTH_ELEMENTS].map((n) => [n, 6] as const)]);

const KEY: Record<Exclude<DateProblem, 'form'>, string> = {
  'day-not-in-month': 'date-invalid.dayNotInMonth',
  'not-leap-year': 'date-invalid.notLeapYear',
  'year-zero': 'date-invalid.yearZero',
};

function report(ctx: RuleContext, problem: DateProblem | undefined, name: string, value: string, start: number, end: number): void {
  if (problem === undefined || problem === 'form') return;
  const p = looseParts(value);
  if (!p) return;
  ctx.report({
    code: 'date-invalid',
    start,
    end,
    key: KEY[problem],
    args: {
      name,
      value,
      day: p.day,
      year: String(p.year).padStart(4, '0'),
      monthNb: MONTH_NAMES.nb[p.month - 1] ?? '',
      monthEn: MONTH_NAMES.en[p.month - 1] ?? '',
    },
  });
}

/** Checks every date element in a subtree (the subtrees are a few levels deep, so recursion is cheap). */
function checkElements(ctx: RuleContext, el: XmlElement): void {
  const cs = el.children;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    const length = DATE_LENGTH.get(c.local);
    if (length !== undefined) {
      if (c.textStart === -1) continue; // empty: the schema's job
      const value = c.text.trim();
      const problem = length === 8 ? yyyymmddProblem(value) : yyyymmProblem(value);
      report(ctx, problem, c.local, value, c.textStart, c.textEnd);
    } else if (c.children.length > 0) {
      checkElements(ctx, c);
    }
  }
}

export const dateInvalid: Rule = {
  code: 'date-invalid',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding', 'identmelding'],
  title: {
    nb: 'En dato med riktig form som ikke finnes (31. februar, 29. februar utenfor skuddår)',
    en: 'A date of the right form that does not exist (31 February, 29 February outside a leap year)',
  },
  create(ctx) {
    return {
      header(el) {
        if (ctx.kind === 'identmelding') {
          for (const a of el.attrs) {
            if (!(IDENT_DATE_ATTRIBUTES as readonly string[]).includes(a.local)) continue;
            const value = a.value.trim();
            report(ctx, xsDateProblem(value), a.local, value, a.valueStart, a.valueEnd);
          }
        } else {
          checkElements(ctx, el);
        }
      },
      record(el) {
        if (ctx.kind === 'fagmelding') checkElements(ctx, el);
      },
    };
  },
};
