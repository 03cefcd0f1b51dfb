/**
 * org-number-not-allowed: an org number (tjInstOrgnr) on a service that must not have one: 26
 * (lokaliseringsteknologi) and 29 (bolig), per Helsedirektoratet's Q&A on organisasjonsnummer (DOMAIN.md
 * §4), and the expired housing codes 12/13, which are to be reported as 29. The finding carries a fix that
 * removes the element with its line; for 12/13 the migration fix of deprecated-service-code does both.
 */
import { Severity } from '../analysis/types';
import { expiredServiceCode, orgNumberRule, serviceCode } from '../domain/serviceCodes';
import { registerMessages } from '../i18n';
import { child } from '../xml/parser';
import { Rule } from './rule';
import { removalRange, serviceCodeOf, servicesOf, valueAt } from './serviceElements';

registerMessages({
  'org-number-not-allowed.forbidden': {
    nb: 'Tjenestetype {code} ({labelNb}) skal rapporteres uten organisasjonsnummer. Fjern tjInstOrgnr.',
    en: 'Service type {code} ({labelEn}) must be reported without an organisation number. Remove tjInstOrgnr.',
  },
  'org-number-not-allowed.expired': {
    nb: 'Tjenestetype {code} er utgått og skal rapporteres som tjenestetype {to}, som ikke skal ha organisasjonsnummer. Rettingen for deprecated-service-code bytter tjenestetype og fjerner tjInstOrgnr i samme endring.',
    en: 'Service type {code} has expired and is to be reported as service type {to}, which must not have an organisation number. The fix for deprecated-service-code changes the service type and removes tjInstOrgnr in one edit.',
  },
});

export const orgNumberNotAllowed: Rule = {
  code: 'org-number-not-allowed',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding'],
  title: {
    nb: 'Organisasjonsnummer på en tjeneste som ikke skal ha det (26, 29)',
    en: 'Organisation number on a service that must not have one (26, 29)',
  },
  create(ctx) {
    return {
      record(person) {
        for (const tj of servicesOf(person)) {
          const code = serviceCodeOf(tj);
          if (code?.value === undefined || orgNumberRule(code.value) !== 'forbidden') continue;
          const org = child(tj, 'tjInstOrgnr');
          if (!org) continue;
          const at = valueAt(org);
          const removal = removalRange(org);
          const expired = expiredServiceCode(code.value);
          const current = serviceCode(code.value);
          ctx.report({
            code: 'org-number-not-allowed',
            start: at.start,
            end: at.end,
            key: expired ? 'org-number-not-allowed.expired' : 'org-number-not-allowed.forbidden',
            args: expired
              ? { code: code.value, to: expired.replacedBy ?? '' }
              : { code: code.value, labelNb: current?.nb ?? '', labelEn: current?.en ?? '' },
            data: { fix: 'remove-element', start: removal.start, end: removal.end, what: 'tjInstOrgnr' },
          });
        }
      },
    };
  },
};
