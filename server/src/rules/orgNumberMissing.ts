/**
 * org-number-missing: a service whose tjenestetype must be reported with the organisation number of the
 * unit that performs it (Helsedirektoratet's Q&A on organisasjonsnummer, DOMAIN.md §4) has no tjInstOrgnr.
 * The yearly letter (2023) lists the right org number on these services among the checks before sending.
 */
import { Severity } from '../analysis/types';
import { orgNumberRule, serviceCode } from '../domain/serviceCodes';
import { registerMessages } from '../i18n';
import { Rule } from './rule';
import { serviceCodeOf, servicesOf } from './serviceElements';

registerMessages({
  'org-number-missing.missing': {
    nb: 'Tjenestetype {code} ({labelNb}) skal rapporteres med organisasjonsnummeret til enheten som yter tjenesten (tjInstOrgnr), men det mangler.',
    en: 'Service type {code} ({labelEn}) must be reported with the organisation number of the unit providing it (tjInstOrgnr), but it is missing.',
  },
});

export const orgNumberMissing: Rule = {
  code: 'org-number-missing',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding'],
  title: {
    nb: 'Organisasjonsnummer mangler på en tjeneste som krever det',
    en: 'Organisation number missing on a service that requires one',
  },
  create(ctx) {
    return {
      record(person) {
        for (const tj of servicesOf(person)) {
          const code = serviceCodeOf(tj);
          if (code?.value === undefined || orgNumberRule(code.value) !== 'required') continue;
          if (tj.children.some((c) => c.local === 'tjInstOrgnr')) continue;
          const entry = serviceCode(code.value);
          ctx.report({
            code: 'org-number-missing',
            start: code.start,
            end: code.end,
            key: 'org-number-missing.missing',
            args: { code: code.value, labelNb: entry?.nb ?? '', labelEn: entry?.en ?? '' },
          });
        }
      },
    };
  },
};
