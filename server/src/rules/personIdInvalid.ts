/**
 * person-id-invalid: PasientIdent@fid must be a valid number of the kind typeID names (DOMAIN.md §3, §5).
 * KPR links the fagmelding to Folkeregisteret through this number; a wrong one is answered in the Apprec
 * with E30/E31/E53 and the person is lost from the statistics.
 *
 * typeID 1 fødselsnummer, 2 D-nummer, 3 H-nummer, 12 FH-nummer are checked; other typeIDs are rare and
 * their numbers follow no rule we know, so they are left alone. A month + 40 number under typeID 1 (or a
 * day + 40, month + 40 number under typeID 2) is not reported here: it is most likely a NAV Dolly test
 * person, which the `test-user` rule reports. Messages never print the number.
 */
import { registerMessages } from '../i18n';
import { classifyPersonId, PersonIdInfo, PersonIdKind } from '../domain/identifiers';
import { maskPersonIds } from '../privacy';
import { attr } from '../xml/parser';
import { Severity } from '../analysis/types';
import { Rule } from './rule';

registerMessages({
  'person-id-invalid.empty': {
    nb: 'fid er tom for pid {pid}; typeID {typeId} ({typeName}) krever et nummer på 11 sifre.',
    en: 'fid is empty for pid {pid}; typeID {typeId} ({typeName}) needs an 11-digit number.',
  },
  'person-id-invalid.non-digit': {
    nb: 'fid for pid {pid} er ikke et gyldig {typeName}: det skal bare ha sifre (11), men har også andre tegn (bokstaver, mellomrom eller skilletegn).',
    en: 'fid for pid {pid} is not a valid {typeName}: it must hold digits only (11), but has other characters (letters, spaces or punctuation).',
  },
  'person-id-invalid.length': {
    nb: 'fid for pid {pid} er ikke et gyldig {typeName}: det skal ha 11 sifre, men har {length}.',
    en: 'fid for pid {pid} is not a valid {typeName}: it must have 11 digits, but has {length}.',
  },
  'person-id-invalid.check-digit': {
    nb: 'fid for pid {pid} er ikke et gyldig {typeName}: kontrollsifrene (de to siste sifrene) stemmer ikke. Sjekk nummeret i fagsystemet.',
    en: 'fid for pid {pid} is not a valid {typeName}: the check digits (the last two digits) do not match. Check the number in the EPJ system.',
  },
  'person-id-invalid.date': {
    nb: 'fid for pid {pid} er ikke et gyldig {typeName}: de seks første sifrene er ingen virkelig dato, heller ikke etter at D-/H-nummer-tilleggene er trukket fra.',
    en: 'fid for pid {pid} is not a valid {typeName}: the first six digits are not a real date, not even after removing the D-/H-nummer offsets.',
  },
  'person-id-invalid.type-mismatch': {
    nb: 'typeID {typeId} sier {typeName}, men fid for pid {pid} er et {actual}. Rett typeID eller nummeret.',
    en: 'typeID {typeId} says {typeName}, but fid for pid {pid} is a {actual}. Correct the typeID or the number.',
  },
  'person-id-invalid.type-mismatch-tenor': {
    nb: 'typeID {typeId} sier {typeName}, men fid for pid {pid} er et syntetisk testnummer (Tenor, måned + 80). Rett typeID eller nummeret.',
    en: 'typeID {typeId} says {typeName}, but fid for pid {pid} is a synthetic test number (Tenor, month + 80). Correct the typeID or the number.',
  },
  'person-id-invalid.related-fid': {
    nb: 'Nummeret (fid)',
    en: 'The number (fid)',
  },
});

/** The typeIDs (list 9032) whose numbers are checked, with the name users know them by. */
const CHECKED_TYPES: Record<string, string> = {
  '1': 'fødselsnummer',
  '2': 'D-nummer',
  '3': 'H-nummer',
  '12': 'FH-nummer',
};

const KIND_NAMES: Record<Exclude<PersonIdKind, 'test-tenor'>, string> = {
  fnr: 'fødselsnummer',
  'd-number': 'D-nummer',
  'h-number': 'H-nummer',
  'fh-number': 'FH-nummer',
};

/**
 * Whether a valid number fits the typeID. Synthetic numbers are accepted where they imitate the type
 * (Tenor's month + 80 for fødselsnummer and, with the day offset, D-nummer; Dolly's month + 40 likewise):
 * whether a test person belongs in the file at all is the `test-user` rule's question.
 */
export function typeMatches(typeId: string, info: PersonIdInfo): boolean {
  switch (typeId) {
    case '1':
      return info.kind === 'fnr' || ((info.kind === 'test-tenor' || info.kind === 'h-number') && !info.dayOffset);
    case '2':
      return info.kind === 'd-number' || ((info.kind === 'test-tenor' || info.kind === 'h-number') && info.dayOffset);
    case '3':
      return info.kind === 'h-number';
    case '12':
      return info.kind === 'fh-number';
    default:
      return true;
  }
}

export const personIdInvalid: Rule = {
  code: 'person-id-invalid',
  defaultSeverity: Severity.Error,
  kinds: ['identmelding'],
  title: {
    nb: 'fid i identmeldingen er ikke et gyldig fødselsnummer, D-, H- eller FH-nummer, eller passer ikke med typeID',
    en: 'fid in the identmelding is not a valid fødselsnummer, D-, H- or FH-nummer, or does not match its typeID',
  },
  create(ctx) {
    return {
      record(el) {
        if (el.local !== 'PasientIdent') return;
        const typeAttr = attr(el, 'typeID');
        const fidAttr = attr(el, 'fid');
        // A missing attribute is the schema check's finding; an unlisted typeID has no number rule.
        if (!typeAttr || !fidAttr) return;
        const typeId = typeAttr.value.trim();
        const typeName = CHECKED_TYPES[typeId];
        if (typeName === undefined) return;
        // The local key is printed to help find the line; masked in case a system used the fødselsnummer as key.
        const pid = maskPersonIds(attr(el, 'pid')?.value.trim() ?? '');
        const fid = fidAttr.value;
        const at = fid.length > 0 ? { start: fidAttr.valueStart, end: fidAttr.valueEnd } : { start: fidAttr.start, end: fidAttr.end };
        if (fid.trim() === '') {
          ctx.report({ code: 'person-id-invalid', ...at, key: 'person-id-invalid.empty', args: { pid, typeId, typeName } });
          return;
        }
        const info = classifyPersonId(fid);
        if (!info.valid) {
          ctx.report({
            code: 'person-id-invalid',
            ...at,
            key: `person-id-invalid.${info.problem ?? 'check-digit'}`,
            args: { pid, typeId, typeName, length: fid.length },
          });
          return;
        }
        if (!typeMatches(typeId, info)) {
          ctx.report({
            code: 'person-id-invalid',
            start: typeAttr.valueStart,
            end: typeAttr.valueEnd,
            key: info.kind === 'test-tenor' ? 'person-id-invalid.type-mismatch-tenor' : 'person-id-invalid.type-mismatch',
            args: { pid, typeId, typeName, actual: info.kind === 'test-tenor' || !info.kind ? '' : KIND_NAMES[info.kind] },
            related: [{ ...at, key: 'person-id-invalid.related-fid' }],
          });
        }
      },
    };
  },
};
