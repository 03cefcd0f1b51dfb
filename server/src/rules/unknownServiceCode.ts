/**
 * unknown-service-code: a tjenestetype that is an integer but neither in code list 9151 nor an expired
 * code (those are deprecated-service-code's). Text that is not an integer is the schema's (xs:short).
 * Usually a local service type that the mapping passed through unchanged.
 */
import { Severity } from '../analysis/types';
import { expiredServiceCode, serviceCode } from '../domain/serviceCodes';
import { registerMessages } from '../i18n';
import { Rule } from './rule';
import { serviceCodeOf, servicesOf } from './serviceElements';

registerMessages({
  'unknown-service-code.unknown': {
    nb: 'Tjenestetype {code} finnes ikke i kodeverk 9151 (tjenestetype). Sjekk mappingen fra lokal tjeneste til tjenestetype for KPR.',
    en: 'Service type {code} is not in code list 9151 (tjenestetype). Check the mapping from the local service to the KPR service type.',
  },
});

export const unknownServiceCode: Rule = {
  code: 'unknown-service-code',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding'],
  title: {
    nb: 'Tjenestetype som ikke finnes i kodeverk 9151',
    en: 'Service type that is not in code list 9151',
  },
  create(ctx) {
    return {
      record(person) {
        for (const tj of servicesOf(person)) {
          const code = serviceCodeOf(tj);
          if (code?.value === undefined) continue;
          if (serviceCode(code.value) || expiredServiceCode(code.value)) continue;
          ctx.report({
            code: 'unknown-service-code',
            start: code.start,
            end: code.end,
            key: 'unknown-service-code.unknown',
            args: { code: code.text },
          });
        }
      },
    };
  },
};
