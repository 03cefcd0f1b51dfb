/**
 * KPR service codes (tjenestetype, code list 9151, OID 2.16.578.1.12.4.1.1.9151) and their
 * organisation-number rule, from Helsedirektoratet's code list and its Q&A on organisasjonsnummer
 * (see DOMAIN.md §4). Uncertain entries are marked; the table is the single source for rules, hover,
 * completion and the mapping checks.
 */
export type OrgNumberRule = 'required' | 'optional' | 'forbidden';

export interface ServiceCode {
  code: number;
  nb: string;
  en: string;
  orgNumber: OrgNumberRule;
  /** Velferdsteknologi (welfare technology), counted separately in reports. */
  welfareTechnology?: boolean;
}

export interface ExpiredServiceCode {
  code: number;
  nb: string;
  en: string;
  /** The code to report instead, when there is one. */
  replacedBy?: number;
  /** What replaces it when it is not a code (16 → the person flag poHab). */
  replacedByNote?: { nb: string; en: string };
  since?: number;
}

export const SERVICE_CODE_LIST_OID = '2.16.578.1.12.4.1.1.9151';

const CODES: ServiceCode[] = [
  { code: 1, nb: 'Praktisk bistand – daglige gjøremål', en: 'Practical assistance – daily tasks', orgNumber: 'required' },
  { code: 2, nb: 'Praktisk bistand – opplæring – daglige gjøremål', en: 'Practical assistance – training in daily tasks', orgNumber: 'required' },
  { code: 3, nb: 'Brukerstyrt personlig assistanse (BPA)', en: 'User-controlled personal assistance (BPA)', orgNumber: 'required' },
  { code: 4, nb: 'Dagaktivitetstilbud', en: 'Day activity services', orgNumber: 'required' },
  { code: 5, nb: 'Matombringing', en: 'Meal delivery', orgNumber: 'optional' },
  { code: 6, nb: 'Trygghetsalarm', en: 'Safety alarm', orgNumber: 'optional', welfareTechnology: true },
  { code: 7, nb: 'Avlastning utenfor institusjon', en: 'Respite care outside an institution', orgNumber: 'optional' },
  { code: 8, nb: 'Avlastning i institusjon', en: 'Respite care in an institution', orgNumber: 'required' },
  { code: 9, nb: 'Støttekontakt', en: 'Support contact', orgNumber: 'optional' },
  { code: 11, nb: 'Omsorgsstønad', en: 'Care allowance', orgNumber: 'optional' },
  { code: 14, nb: 'Bruk av tvang, psykisk utviklingshemning (hol. kap. 9)', en: 'Use of coercion, intellectual disability (Act ch. 9)', orgNumber: 'optional' },
  { code: 15, nb: 'Helsetjenester i hjemmet', en: 'Health care at home', orgNumber: 'required' },
  { code: 17, nb: 'Dagopphold i institusjon', en: 'Day stay in an institution', orgNumber: 'required' },
  { code: 18, nb: 'Tidsbegrenset opphold – utredning/behandling', en: 'Short-term stay – assessment/treatment', orgNumber: 'required' },
  { code: 19, nb: 'Tidsbegrenset opphold – habilitering/rehabilitering', en: 'Short-term stay – habilitation/rehabilitation', orgNumber: 'required' },
  { code: 20, nb: 'Tidsbegrenset opphold – annet', en: 'Short-term stay – other', orgNumber: 'required' },
  { code: 21, nb: 'Langtidsopphold i institusjon', en: 'Long-term stay in an institution', orgNumber: 'required' },
  { code: 22, nb: 'Nattopphold i institusjon', en: 'Night stay in an institution', orgNumber: 'required' },
  { code: 23, nb: 'Bruk av tvang, psykisk utviklingshemning (§ 9-5, annen variant)', en: 'Use of coercion, intellectual disability (§ 9-5, other variant)', orgNumber: 'optional' },
  { code: 24, nb: 'Helsehjelp med tvang (pbrl. kap. 4A)', en: 'Health care under coercion (Patients’ Rights Act ch. 4A)', orgNumber: 'optional' },
  { code: 25, nb: 'Kommunal øyeblikkelig hjelp – døgnopphold', en: 'Municipal emergency care – 24-hour stay', orgNumber: 'required' },
  { code: 26, nb: 'Lokaliseringsteknologi (GPS)', en: 'Location technology (GPS)', orgNumber: 'forbidden', welfareTechnology: true },
  { code: 27, nb: 'Elektronisk medisineringsstøtte', en: 'Electronic medication support', orgNumber: 'optional', welfareTechnology: true },
  { code: 28, nb: 'Digitalt tilsyn', en: 'Digital supervision', orgNumber: 'optional', welfareTechnology: true },
  { code: 29, nb: 'Bolig som kommunen disponerer for helse- og omsorgsformål', en: 'Housing the municipality provides for health and care purposes', orgNumber: 'forbidden' },
];

const EXPIRED: ExpiredServiceCode[] = [
  { code: 10, nb: 'Utgått tjenestetype', en: 'Expired service type' },
  { code: 12, nb: 'Omsorgsbolig', en: 'Sheltered housing', replacedBy: 29, since: 2019 },
  { code: 13, nb: 'Annen bolig', en: 'Other housing', replacedBy: 29, since: 2019 },
  {
    code: 16,
    nb: 'Rehabilitering/habilitering utenfor institusjon',
    en: 'Rehabilitation/habilitation outside an institution',
    replacedByNote: {
      nb: 'personopplysningen poHab (re/habilitering utenfor institusjon) i PERSONOPPL',
      en: 'the person flag poHab (re/habilitation outside an institution) in PERSONOPPL',
    },
  },
];

const byCode = new Map<number, ServiceCode>(CODES.map((c) => [c.code, c]));
const expiredByCode = new Map<number, ExpiredServiceCode>(EXPIRED.map((c) => [c.code, c]));

export const SERVICE_CODES: readonly ServiceCode[] = CODES;
export const EXPIRED_SERVICE_CODES: readonly ExpiredServiceCode[] = EXPIRED;

/**
 * Parses a service code as written ('15', ' 015 ', '+12': tjTjenType is an xs:short) to a number, or
 * undefined when it is not a non-negative integer.
 */
export function parseServiceCode(text: string): number | undefined {
  const t = text.trim();
  if (!/^\+?[0-9]{1,4}$/.test(t)) return undefined;
  return Number(t);
}

export function serviceCode(code: number): ServiceCode | undefined {
  return byCode.get(code);
}

export function expiredServiceCode(code: number): ExpiredServiceCode | undefined {
  return expiredByCode.get(code);
}

/** The org-number rule of a code; expired housing codes 12/13 take the rule of their replacement 29. */
export function orgNumberRule(code: number): OrgNumberRule | undefined {
  const c = byCode.get(code);
  if (c) return c.orgNumber;
  const e = expiredByCode.get(code);
  if (e?.replacedBy !== undefined) return byCode.get(e.replacedBy)?.orgNumber;
  return undefined;
}
