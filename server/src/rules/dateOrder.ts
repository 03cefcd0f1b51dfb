/**
 * date-order: a from-date after its to-date (equal dates are fine). Checked pairs:
 * iiFraDato/iiTilDato (INNHINFO), peFraDato/peDodDato (death before the person's start), poFraDato/poTilDato,
 * fnFraDato/fnTilDato, tjFraDato/tjTilDato, tjKlageMottatt/tjKlageBesvart, diFraDato/diTilDato,
 * dgFraDato/dgTilDato, and the identmelding's fraDatoPeriode/tilDatoPeriode.
 *
 * Not checked: tjVedtDato against the service's dates (a decision may be made after the service started or
 * even ended), tjSoknadDato against tjVedtDato, and dates across elements. Only dates that exist are
 * compared; the others are date-invalid's (or the schema's).
 */
import { FindingInput, Severity } from '../analysis/types';
import { compareYyyymmdd, isValidYyyymmdd, xsDateToYyyymmdd } from '../domain/dates';
import { registerMessages } from '../i18n';
import { child, XmlElement } from '../xml/parser';
import { Rule, RuleContext } from './rule';

registerMessages({
  'date-order.endBeforeStart': {
    nb: '{toName} {to} er før {fromName} {from}: sluttdatoen kan ikke være før startdatoen.',
    en: '{toName} {to} is before {fromName} {from}: the end date cannot be earlier than the start date.',
  },
  'date-order.deathBeforeStart': {
    nb: 'peDodDato {to} er før peFraDato {from}: personen er registrert død før personen ble registrert i IPLOS.',
    en: 'peDodDato {to} is before peFraDato {from}: the person is recorded as dead before the person was registered in IPLOS.',
  },
  'date-order.answeredBeforeReceived': {
    nb: 'tjKlageBesvart {to} er før tjKlageMottatt {from}: klagen er besvart før den ble mottatt.',
    en: 'tjKlageBesvart {to} is before tjKlageMottatt {from}: the complaint was answered before it was received.',
  },
  'date-order.periodEndBeforeStart': {
    nb: '{toName} {to} er før {fromName} {from}: perioden slutter før den begynner.',
    en: '{toName} {to} is before {fromName} {from}: the period ends before it begins.',
  },
  'date-order.startIsHere': {
    nb: 'Startdatoen: {name} {value}',
    en: 'The start date: {name} {value}',
  },
});

interface Pair {
  from: string;
  to: string;
  key: string;
}

/** Pairs per parent element; the names are unique to their parents in the schema. */
const PAIRS: Record<string, readonly Pair[]> = {
  INNHINFO: [{ from: 'iiFraDato', to: 'iiTilDato', key: 'date-order.periodEndBeforeStart' }],
  PERSON: [{ from: 'peFraDato', to: 'peDodDato', key: 'date-order.deathBeforeStart' }],
  PERSONOPPL: [{ from: 'poFraDato', to: 'poTilDato', key: 'date-order.endBeforeStart' }],
  FUNKSJON: [{ from: 'fnFraDato', to: 'fnTilDato', key: 'date-order.endBeforeStart' }],
  TJENESTE: [
    { from: 'tjFraDato', to: 'tjTilDato', key: 'date-order.endBeforeStart' },
    { from: 'tjKlageMottatt', to: 'tjKlageBesvart', key: 'date-order.answeredBeforeReceived' },
  ],
  DIAGNOSE: [{ from: 'diFraDato', to: 'diTilDato', key: 'date-order.endBeforeStart' }],
  DOGNTILBUD: [{ from: 'dgFraDato', to: 'dgTilDato', key: 'date-order.endBeforeStart' }],
};

interface DateAt {
  name: string;
  value: string;
  start: number;
  end: number;
}

function dateChild(parent: XmlElement, name: string): DateAt | undefined {
  const el = child(parent, name);
  if (!el || el.textStart === -1) return undefined;
  const value = el.text.trim();
  return isValidYyyymmdd(value) ? { name, value, start: el.textStart, end: el.textEnd } : undefined;
}

function compare(ctx: RuleContext, from: DateAt, to: DateAt, key: string, fromCompact = from.value, toCompact = to.value): void {
  if (compareYyyymmdd(fromCompact, toCompact) <= 0) return;
  const finding: FindingInput = {
    code: 'date-order',
    start: to.start,
    end: to.end,
    key,
    args: { fromName: from.name, from: from.value, toName: to.name, to: to.value },
    related: [{ start: from.start, end: from.end, key: 'date-order.startIsHere', args: { name: from.name, value: from.value } }],
  };
  ctx.report(finding);
}

function checkParent(ctx: RuleContext, el: XmlElement): void {
  const pairs = PAIRS[el.local];
  if (pairs === undefined) return;
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    const from = dateChild(el, pair.from);
    const to = from && dateChild(el, pair.to);
    if (from && to) compare(ctx, from, to, pair.key);
  }
}

export const dateOrder: Rule = {
  code: 'date-order',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding', 'identmelding'],
  title: {
    nb: 'Fra-dato etter til-dato (tjeneste, funksjon, diagnose, døgntilbud, periode, død før start)',
    en: 'From-date after to-date (service, function, diagnosis, 24-hour stay, period, death before start)',
  },
  create(ctx) {
    return {
      header(el) {
        if (ctx.kind === 'fagmelding') {
          checkParent(ctx, el);
          return;
        }
        const attrAt = (name: string): DateAt | undefined => {
          const a = el.attrs.find((x) => x.local === name);
          return a ? { name, value: a.value.trim(), start: a.valueStart, end: a.valueEnd } : undefined;
        };
        const from = attrAt('fraDatoPeriode');
        const to = attrAt('tilDatoPeriode');
        const fromCompact = from && xsDateToYyyymmdd(from.value);
        const toCompact = to && xsDateToYyyymmdd(to.value);
        if (from && to && fromCompact && toCompact) compare(ctx, from, to, 'date-order.periodEndBeforeStart', fromCompact, toCompact);
      },
      record(person) {
        if (ctx.kind !== 'fagmelding') return;
        checkParent(ctx, person);
        const parts = person.children;
        for (let i = 0; i < parts.length; i++) checkParent(ctx, parts[i]);
      },
    };
  },
};
