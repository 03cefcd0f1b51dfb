/**
 * date-outside-period (warning): a service (TJENESTE) that cannot count for the reporting period.
 *
 * KPR's statistics keep services active in the year, with a start date between 1980 (or the person's
 * birth) and the end of the year and an end date on or after its start (DOMAIN.md §4). Reported:
 * - the service ended before the period begins (tjTilDato < period start);
 * - the service starts after the period ends (tjFraDato > period end);
 * - the service starts before 1 January 1980;
 * - the service starts before the person can have been born. The birth date is not in the fagmelding;
 *   peAlder is the age at some date no earlier than the period start (the period's end or the extraction
 *   date), so the person was born after (period start − (peAlder + 1) years). Only a start before that
 *   bound is reported, so the rule is never wrong about it, whichever reference date the EPJ used.
 *
 * A warning, not an error: such a service is not rejected, only left out of the statistics, and it may be
 * in the file on purpose (history the EPJ exports). The period is settings.reportingYear or INNHINFO's
 * iiFraDato–iiTilDato; without a valid period only the 1980 check runs.
 */
import { Severity } from '../analysis/types';
import { addYears, formatYyyymmdd, isValidYyyymmdd, nextDay, parseYyyymmdd } from '../domain/dates';
import { MessageArgs, registerMessages } from '../i18n';
import { child, XmlElement } from '../xml/parser';
import { Rule } from './rule';
import { servicesOf } from './serviceElements';

registerMessages({
  'date-outside-period.endedBefore': {
    nb: 'Tjenesten sluttet {to} (tjTilDato), før rapporteringsperioden {periodFrom}–{periodTo} begynner. Den er helt utenfor perioden og telles ikke.',
    en: 'The service ended on {to} (tjTilDato), before the reporting period {periodFrom}–{periodTo} begins. It lies entirely outside the period and is not counted.',
  },
  'date-outside-period.startsAfter': {
    nb: 'Tjenesten starter {from} (tjFraDato), etter at rapporteringsperioden {periodFrom}–{periodTo} slutter. Den er helt utenfor perioden og telles ikke.',
    en: 'The service starts on {from} (tjFraDato), after the reporting period {periodFrom}–{periodTo} ends. It lies entirely outside the period and is not counted.',
  },
  'date-outside-period.before1980': {
    nb: 'Tjenesten starter {from} (tjFraDato), før 1980. KPR bruker bare startdatoer fra 19800101; sjekk datoen.',
    en: 'The service starts on {from} (tjFraDato), before 1980. KPR only uses start dates from 19800101; check the date.',
  },
  'date-outside-period.beforeBirth': {
    nb: 'Tjenesten starter {from} (tjFraDato), før personen kan være født: med peAlder {age} i perioden {periodFrom}–{periodTo} er personen født tidligst {birth}.',
    en: 'The service starts on {from} (tjFraDato), before the person can have been born: with peAlder {age} in the period {periodFrom}–{periodTo}, the person was born on {birth} at the earliest.',
  },
});

const EARLIEST_START = '19800101';

function dateChild(parent: XmlElement, name: string): { value: string; start: number; end: number } | undefined {
  const el = child(parent, name);
  if (!el || el.textStart === -1) return undefined;
  const value = el.text.trim();
  return isValidYyyymmdd(value) ? { value, start: el.textStart, end: el.textEnd } : undefined;
}

/** The earliest birth date peAlder allows, as YYYYMMDD, or undefined when the age is not a plain number. */
function earliestBirth(person: XmlElement, periodFrom: string): { birth: string; age: number } | undefined {
  const el = child(person, 'peAlder');
  const text = el?.text.trim() ?? '';
  if (!/^[0-9]{1,3}$/.test(text)) return undefined;
  const age = Number(text);
  const from = parseYyyymmdd(periodFrom);
  if (!from || age > 150) return undefined;
  return { birth: formatYyyymmdd(nextDay(addYears(from, -(age + 1)))), age };
}

export const dateOutsidePeriod: Rule = {
  code: 'date-outside-period',
  defaultSeverity: Severity.Warning,
  kinds: ['fagmelding'],
  title: {
    nb: 'Tjeneste helt utenfor rapporteringsperioden, eller som starter før 1980 eller før fødselen',
    en: 'Service entirely outside the reporting period, or starting before 1980 or before birth',
  },
  create(ctx) {
    return {
      record(person) {
        const p = ctx.period;
        const period = p && isValidYyyymmdd(p.from) && isValidYyyymmdd(p.to) && p.from <= p.to ? p : undefined;
        const periodArgs: MessageArgs = period ? { periodFrom: period.from, periodTo: period.to } : {};
        const born = period ? earliestBirth(person, period.from) : undefined;
        for (const tj of servicesOf(person)) {
          const from = dateChild(tj, 'tjFraDato');
          const to = dateChild(tj, 'tjTilDato');
          if (period && to && to.value < period.from) {
            ctx.report({ code: 'date-outside-period', start: to.start, end: to.end, key: 'date-outside-period.endedBefore', args: { to: to.value, ...periodArgs } });
          } else if (period && from && from.value > period.to) {
            ctx.report({ code: 'date-outside-period', start: from.start, end: from.end, key: 'date-outside-period.startsAfter', args: { from: from.value, ...periodArgs } });
          }
          if (!from) continue;
          if (from.value < EARLIEST_START) {
            ctx.report({ code: 'date-outside-period', start: from.start, end: from.end, key: 'date-outside-period.before1980', args: { from: from.value } });
          } else if (born && from.value < born.birth) {
            ctx.report({
              code: 'date-outside-period',
              start: from.start,
              end: from.end,
              key: 'date-outside-period.beforeBirth',
              args: { from: from.value, age: born.age, birth: born.birth, ...periodArgs },
            });
          }
        }
      },
    };
  },
};
