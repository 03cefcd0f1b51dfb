/**
 * ident-mismatch: a fagmelding (KPR_IPL) and the identmelding (KPR_IDE) that belongs to it must agree
 * (DOMAIN.md §1): the same løpenummer (INNHINFO/iiLopenr = Melding@lopenr), and a PasientIdent@pid for every
 * PERSON@pePeID and the other way round. A person without an ident cannot be linked to Folkeregisteret; an
 * ident without a person is a fødselsnummer sent for nothing.
 *
 * The check spans two files, so it does not run inside a single document's analysis: the language server
 * and the CLI pair files with `findPairs` and check each pair with `checkPair` (analysis/pairing.ts). The
 * rule is registered so its code, default severity and title take part in settings, `kpr rules` and docs;
 * its messages live here, next to the rule's code.
 */
import { registerMessages } from '../i18n';
import { Severity } from '../analysis/types';
import { Rule } from './rule';

registerMessages({
  'ident-mismatch.lopenr-fag': {
    nb: 'Løpenummeret {lopenr} er ikke det samme som i identmeldingen {file} ({otherLopenr}). Filene er de eneste i mappen og hører trolig sammen, men en fagmelding og identmeldingen til den må ha samme løpenummer.',
    en: 'The løpenummer {lopenr} differs from the one in the identmelding {file} ({otherLopenr}). The files are the only pair in the folder and likely belong together, but a fagmelding and its identmelding must have the same løpenummer.',
  },
  'ident-mismatch.lopenr-ide': {
    nb: 'Løpenummeret {lopenr} er ikke det samme som i fagmeldingen {file} ({otherLopenr}). Filene er de eneste i mappen og hører trolig sammen, men en fagmelding og identmeldingen til den må ha samme løpenummer.',
    en: 'The løpenummer {lopenr} differs from the one in the fagmelding {file} ({otherLopenr}). The files are the only pair in the folder and likely belong together, but a fagmelding and its identmelding must have the same løpenummer.',
  },
  'ident-mismatch.person-without-ident': {
    nb: 'Personen med pePeID {id} har ingen PasientIdent (pid {id}) i identmeldingen {file}, og kan ikke kobles til et fødselsnummer.',
    en: 'The person with pePeID {id} has no PasientIdent (pid {id}) in the identmelding {file} and cannot be linked to a fødselsnummer.',
  },
  'ident-mismatch.ident-without-person': {
    nb: 'PasientIdent med pid {id} har ingen PERSON (pePeID {id}) i fagmeldingen {file}. Identmeldingen skal bare ha personer som er med i fagmeldingen.',
    en: 'The PasientIdent with pid {id} has no PERSON (pePeID {id}) in the fagmelding {file}. The identmelding must hold only persons that are in the fagmelding.',
  },
  'ident-mismatch.more-fag': {
    nb: '{total} personer i denne fagmeldingen har ingen PasientIdent i identmeldingen {file}; de første {shown} er merket, {hidden} til er ikke vist. Så mange avvik kan bety at filene ikke hører sammen.',
    en: '{total} persons in this fagmelding have no PasientIdent in the identmelding {file}; the first {shown} are marked, {hidden} more are not shown. So many differences may mean the files do not belong together.',
  },
  'ident-mismatch.more-ide': {
    nb: '{total} PasientIdent i denne identmeldingen har ingen PERSON i fagmeldingen {file}; de første {shown} er merket, {hidden} til er ikke vist. Så mange avvik kan bety at filene ikke hører sammen.',
    en: '{total} PasientIdent in this identmelding have no PERSON in the fagmelding {file}; the first {shown} are marked, {hidden} more are not shown. So many differences may mean the files do not belong together.',
  },
  'ident-mismatch.no-overlap-fag': {
    nb: 'Ingen av de {count} personene i denne fagmeldingen har en PasientIdent i identmeldingen {file} ({otherCount} PasientIdent). Filene hører trolig ikke sammen, eller pePeID og pid er ulike nøkler.',
    en: 'None of the {count} persons in this fagmelding has a PasientIdent in the identmelding {file} ({otherCount} PasientIdent). The files probably do not belong together, or pePeID and pid are different keys.',
  },
  'ident-mismatch.no-overlap-ide': {
    nb: 'Ingen av de {count} PasientIdent i denne identmeldingen har en PERSON i fagmeldingen {file} ({otherCount} personer). Filene hører trolig ikke sammen, eller pePeID og pid er ulike nøkler.',
    en: 'None of the {count} PasientIdent in this identmelding has a PERSON in the fagmelding {file} ({otherCount} persons). The files probably do not belong together, or pePeID and pid are different keys.',
  },
  'ident-mismatch.related-ide': {
    nb: 'Identmeldingen det ble sammenlignet med (løpenummer {lopenr})',
    en: 'The identmelding it was compared with (løpenummer {lopenr})',
  },
  'ident-mismatch.related-fag': {
    nb: 'Fagmeldingen det ble sammenlignet med (løpenummer {lopenr})',
    en: 'The fagmelding it was compared with (løpenummer {lopenr})',
  },
});

export const identMismatch: Rule = {
  code: 'ident-mismatch',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding', 'identmelding'],
  title: {
    nb: 'En fagmelding og identmeldingen til den er uenige (løpenummer, personer uten ident, identer uten person)',
    en: 'A fagmelding and its identmelding disagree (løpenummer, persons without an ident, idents without a person)',
  },
  // Nothing to check inside one document: the pair is checked by analysis/pairing.ts.
  create() {
    return {};
  },
};
