/**
 * test-user: test persons ("Donald Duck") must not be in the submission (the 2023 letter's first check).
 * KPR does not filter them; FHI only notices persons reported by five or more municipalities (DOMAIN.md §5).
 *
 * Found by, most certain first: the municipality's own list (settings.testUsers, merged by the CLI and the
 * language server from `.kpr/testbrukere.txt`): in the fagmelding by pePeID, in the identmelding by pid or
 * fid; a synthetic person number in fid (Tenor month + 80: always; NAV Dolly month + 40 under a typeID
 * claiming a fødselsnummer / D-nummer: likely); a known test name in a name field inside a record. The
 * municipality's contact persons (INNHINFO/iiKontakt, Kontaktperson) are not records and never checked.
 * One finding per record at most. Messages name the local key, never a person number.
 */
import { registerMessages } from '../i18n';
import { DEFAULT_NAME_FIELDS, findTestNames, testIdentityReason, TestIdentityReason } from '../domain/testUsers';
import { maskPersonIds } from '../privacy';
import { Severity } from '../analysis/types';
import { attr, XmlAttr } from '../xml/parser';
import { Rule } from './rule';

registerMessages({
  'test-user.listed-key': {
    nb: '{keyName} {key} står på kommunens liste over testbrukere. Testbrukere skal ikke være med i innsendingen.',
    en: '{keyName} {key} is on the municipality\'s list of test users. Test users must not be in the submission.',
  },
  'test-user.listed-person-id': {
    nb: 'Personnummeret (fid) til pid {key} står på kommunens liste over testbrukere. Testbrukere skal ikke være med i innsendingen.',
    en: 'The person number (fid) of pid {key} is on the municipality\'s list of test users. Test users must not be in the submission.',
  },
  'test-user.tenor': {
    nb: 'pid {key} har et syntetisk testnummer fra Tenor («Test Norge», måned + 80) og er en testperson. Testbrukere skal ikke være med i innsendingen.',
    en: 'pid {key} has a synthetic test number from Tenor ("Test Norge", month + 80) and is a test person. Test users must not be in the submission.',
  },
  'test-user.dolly': {
    nb: 'pid {key} har et nummer med måned + 40 under typeID {typeId}: det er trolig en syntetisk testperson fra NAV Dolly (et ekte H-nummer meldes med typeID 3). Testbrukere skal ikke være med i innsendingen.',
    en: 'pid {key} has a number with month + 40 under typeID {typeId}: most likely a synthetic test person from NAV Dolly (a real H-nummer is reported with typeID 3). Test users must not be in the submission.',
  },
  'test-user.name': {
    nb: '{keyName} {key} har navnet til en kjent testbruker ({name}). Testbrukere skal ikke være med i innsendingen.',
    en: '{keyName} {key} has the name of a known test user ({name}). Test users must not be in the submission.',
  },
});

export interface TestUserRuleOptions {
  /** Element/attribute local names (case-insensitive) that hold a person's name. */
  nameFields?: readonly string[];
}

function at(a: XmlAttr | undefined, fallback: { start: number; end: number }): { start: number; end: number } {
  if (!a) return fallback;
  return a.valueEnd > a.valueStart ? { start: a.valueStart, end: a.valueEnd } : { start: a.start, end: a.end };
}

/** Builds the rule; the exported `testUser` uses the default name fields. */
export function createTestUserRule(options: TestUserRuleOptions = {}): Rule {
  const nameFields = options.nameFields ?? DEFAULT_NAME_FIELDS;
  return {
    code: 'test-user',
    defaultSeverity: Severity.Warning,
    kinds: ['fagmelding', 'identmelding'],
    title: {
      nb: 'En testbruker («Donald Duck») er med i innsendingen',
      en: 'A test user ("Donald Duck") is in the submission',
    },
    create(ctx) {
      return {
        record(el) {
          const fag = ctx.kind === 'fagmelding';
          const keyName = fag ? 'pePeID' : 'pid';
          const keyAttr = attr(el, keyName);
          const fidAttr = fag ? undefined : attr(el, 'fid');
          const typeId = fag ? undefined : attr(el, 'typeID')?.value.trim();
          const whole = { start: el.start, end: el.nameEnd };
          // A system that used the fødselsnummer as local key must not get it printed back. Masked only when
          // reported: this runs for every record of a whole-year file.
          const key = () => maskPersonIds(keyAttr?.value.trim() ?? '');
          const reason: TestIdentityReason | undefined = testIdentityReason(
            { key: keyAttr?.value, personId: fidAttr?.value, typeId },
            ctx.settings.testUsers,
          );
          if (reason) {
            ctx.report({
              code: 'test-user',
              ...(reason === 'listed-key' ? at(keyAttr, whole) : at(fidAttr, whole)),
              key: `test-user.${reason}`,
              args: { keyName, key: key(), typeId: typeId ?? '' },
            });
            return;
          }
          const names = findTestNames(el, ctx.settings.testNames, nameFields);
          if (names.length > 0) {
            ctx.report({
              code: 'test-user',
              start: names[0].start,
              end: names[0].end,
              key: 'test-user.name',
              args: { keyName, key: key(), name: maskPersonIds(names[0].name) },
            });
          }
        },
      };
    },
  };
}

export const testUser: Rule = createTestUserRule();
