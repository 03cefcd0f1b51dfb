/**
 * deprecated-service-code: an expired tjenestetype (10, 12, 13, 16 in code list 9151).
 *
 * An error, not a warning: KPR rejects or discards services with expired codes, so the service is simply
 * missing from the register, and the yearly letter (2023) asks municipalities to check exactly these.
 * The replacement comes from the code table (serviceCodes.ts); for a code replaced by another code the
 * finding carries a quick fix that swaps the code and, when the new code must not have one, removes the
 * org number in the same edit.
 */
import { FixData, Severity } from '../analysis/types';
import { expiredServiceCode, orgNumberRule, serviceCode } from '../domain/serviceCodes';
import { registerMessages } from '../i18n';
import { child } from '../xml/parser';
import { Rule } from './rule';
import { removalRange, serviceCodeOf, servicesOf } from './serviceElements';

registerMessages({
  'deprecated-service-code.replaced': {
    nb: 'Tjenestetype {code} ({labelNb}) er utgått og avvises eller forkastes av KPR. Rapporter tjenesten som tjenestetype {to} ({toLabelNb}).',
    en: 'Service type {code} ({labelEn}) has expired and KPR rejects or discards it. Report the service as service type {to} ({toLabelEn}).',
  },
  'deprecated-service-code.replacedRemoveOrg': {
    nb: 'Tjenestetype {code} ({labelNb}) er utgått og avvises eller forkastes av KPR. Rapporter tjenesten som tjenestetype {to} ({toLabelNb}) og fjern organisasjonsnummeret (tjInstOrgnr), som tjenestetype {to} ikke skal ha.',
    en: 'Service type {code} ({labelEn}) has expired and KPR rejects or discards it. Report the service as service type {to} ({toLabelEn}) and remove the organisation number (tjInstOrgnr), which service type {to} must not have.',
  },
  'deprecated-service-code.note': {
    nb: 'Tjenestetype {code} ({labelNb}) er utgått og avvises eller forkastes av KPR. Registrer i stedet {noteNb}.',
    en: 'Service type {code} ({labelEn}) has expired and KPR rejects or discards it. Record {noteEn} instead.',
  },
  'deprecated-service-code.none': {
    nb: 'Tjenestetype {code} er utgått og avvises eller forkastes av KPR. Den har ingen erstatning: kartlegg (map) den lokale tjenesten på nytt til en gyldig tjenestetype i kodeverk 9151.',
    en: 'Service type {code} has expired and KPR rejects or discards it. It has no replacement: map the local service again to a valid service type in code list 9151.',
  },
});

export const deprecatedServiceCode: Rule = {
  code: 'deprecated-service-code',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding'],
  title: {
    nb: 'Utgått tjenestetype (10, 12, 13, 16) og hva som erstatter den',
    en: 'Expired service type (10, 12, 13, 16) and what replaces it',
  },
  create(ctx) {
    return {
      record(person) {
        for (const tj of servicesOf(person)) {
          const code = serviceCodeOf(tj);
          if (code?.value === undefined) continue;
          const expired = expiredServiceCode(code.value);
          if (!expired) continue;
          const base = { code: 'deprecated-service-code' as const, start: code.start, end: code.end };
          const label = { code: code.value, labelNb: expired.nb, labelEn: expired.en };
          if (expired.replacedBy !== undefined) {
            const to = serviceCode(expired.replacedBy);
            const org = child(tj, 'tjInstOrgnr');
            const removeOrg = org && orgNumberRule(expired.replacedBy) === 'forbidden' ? removalRange(org) : undefined;
            const data: FixData = { fix: 'replace-service-code', from: code.value, to: expired.replacedBy };
            if (removeOrg) data.removeOrg = removeOrg;
            ctx.report({
              ...base,
              key: removeOrg ? 'deprecated-service-code.replacedRemoveOrg' : 'deprecated-service-code.replaced',
              args: { ...label, to: expired.replacedBy, toLabelNb: to?.nb ?? '', toLabelEn: to?.en ?? '' },
              data,
            });
          } else if (expired.replacedByNote) {
            ctx.report({
              ...base,
              key: 'deprecated-service-code.note',
              args: { ...label, noteNb: expired.replacedByNote.nb, noteEn: expired.replacedByNote.en },
            });
          } else {
            ctx.report({ ...base, key: 'deprecated-service-code.none', args: { code: code.value } });
          }
        }
      },
    };
  },
};
