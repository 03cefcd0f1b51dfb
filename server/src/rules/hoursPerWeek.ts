/**
 * hours-per-week: tjTimerUke (granted hours per week) or tjResTimerUke above 168, the hours in a week, or
 * negative (DOMAIN.md §4). The usual cause is monthly hours reported as weekly: the guidance says to divide
 * monthly hours by 4. Values that are not decimals are the schema's.
 */
import { Severity } from '../analysis/types';
import { registerMessages } from '../i18n';
import { Rule } from './rule';
import { servicesOf, valueAt } from './serviceElements';

registerMessages({
  'hours-per-week.tooMany': {
    nb: '{name} {value} er mer enn 168, antall timer i en uke. Timer per måned skal deles på 4 før de rapporteres som timer per uke.',
    en: '{name} {value} is more than 168, the number of hours in a week. Monthly hours must be divided by 4 before they are reported as hours per week.',
  },
  'hours-per-week.negative': {
    nb: '{name} {value} er negativ; timer per uke må være 0 eller mer (høyst 168). Timer per måned skal deles på 4.',
    en: '{name} {value} is negative; hours per week must be 0 or more (at most 168). Monthly hours must be divided by 4.',
  },
});

const DECIMAL = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;
const HOURS_IN_WEEK = 168;

export const hoursPerWeek: Rule = {
  code: 'hours-per-week',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding'],
  title: {
    nb: 'Timer per uke over 168 eller negativ (tjTimerUke, tjResTimerUke)',
    en: 'Hours per week above 168 or negative (tjTimerUke, tjResTimerUke)',
  },
  create(ctx) {
    return {
      record(person) {
        for (const tj of servicesOf(person)) {
          const cs = tj.children;
          for (let i = 0; i < cs.length; i++) {
            const el = cs[i];
            if (el.local !== 'tjTimerUke' && el.local !== 'tjResTimerUke') continue;
            const v = valueAt(el);
            if (!DECIMAL.test(v.value)) continue;
            const hours = Number(v.value);
            const key = hours > HOURS_IN_WEEK ? 'hours-per-week.tooMany' : hours < 0 ? 'hours-per-week.negative' : undefined;
            if (key) ctx.report({ code: 'hours-per-week', start: v.start, end: v.end, key, args: { name: el.local, value: v.value } });
          }
        }
      },
    };
  },
};
