/**
 * org-number-invalid: tjInstOrgnr (TJENESTE) or dgInstOrgnr (DOGNTILBUD) that is not an organisasjonsnummer:
 * not 9 characters, characters other than digits (spaces included), or a wrong mod-11 check digit
 * (DOMAIN.md §5). An org number on a service that must not have one is only reported by
 * org-number-not-allowed, since it is to be removed, not corrected.
 */
import { Severity } from '../analysis/types';
import { orgNumberProblem, OrgNumberProblem } from '../domain/identifiers';
import { orgNumberRule } from '../domain/serviceCodes';
import { registerMessages } from '../i18n';
import { child, XmlElement } from '../xml/parser';
import { Rule, RuleContext } from './rule';
import { serviceCodeOf, valueAt } from './serviceElements';
import { maskPersonIds } from '../privacy';

registerMessages({
  'org-number-invalid.length': {
    nb: '{name} «{value}» har {length} sifre; et organisasjonsnummer har 9.',
    en: '{name} "{value}" has {length} digits; an organisation number has 9.',
  },
  'org-number-invalid.nonDigit': {
    nb: '{name} «{value}» inneholder andre tegn enn sifre; et organisasjonsnummer er 9 sifre uten mellomrom.',
    en: '{name} "{value}" contains characters other than digits; an organisation number is 9 digits without spaces.',
  },
  'org-number-invalid.checkDigit': {
    nb: '{name} {value} har feil kontrollsiffer (modulus 11) og er ikke et organisasjonsnummer. Sjekk nummeret i Enhetsregisteret.',
    en: '{name} {value} has a wrong check digit (modulus 11) and is not an organisation number. Look the number up in Enhetsregisteret.',
  },
});

const KEY: Record<OrgNumberProblem, string> = {
  length: 'org-number-invalid.length',
  'non-digit': 'org-number-invalid.nonDigit',
  'check-digit': 'org-number-invalid.checkDigit',
};

function check(ctx: RuleContext, el: XmlElement): void {
  const v = valueAt(el);
  const problem = orgNumberProblem(v.value);
  if (!problem) return;
  ctx.report({
    code: 'org-number-invalid',
    start: v.start,
    end: v.end,
    key: KEY[problem],
    args: { name: el.local, value: maskPersonIds(v.value), length: v.value.length },
  });
}

export const orgNumberInvalid: Rule = {
  code: 'org-number-invalid',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding'],
  title: {
    nb: 'Ugyldig organisasjonsnummer (lengde, tegn eller kontrollsiffer)',
    en: 'Invalid organisation number (length, characters or check digit)',
  },
  create(ctx) {
    return {
      record(person) {
        const parts = person.children;
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i];
          if (part.local === 'TJENESTE') {
            const org = child(part, 'tjInstOrgnr');
            if (!org) continue;
            const code = serviceCodeOf(part)?.value;
            if (code !== undefined && orgNumberRule(code) === 'forbidden') continue;
            check(ctx, org);
          } else if (part.local === 'DOGNTILBUD') {
            const org = child(part, 'dgInstOrgnr');
            if (org) check(ctx, org);
          }
        }
      },
    };
  },
};
