/**
 * Test persons ("Donald Duck") that must not be reported to KPR (the 2023 reporting letter; DOMAIN.md §5).
 *
 * Three signals, all local: a synthetic person number (Tenor month + 80: always a test person; month + 40
 * under a typeID that claims a fødselsnummer or D-nummer: most likely NAV Dolly), the municipality's own
 * list of test identities (local person keys pePeID/pid, or person numbers), and the name of a known test
 * person where an input carries names. Shared by the `test-user` rule and the document summary, so the two
 * always agree on who is a test person.
 *
 * The list file (`.kpr/testbrukere.txt`, format in docs/rules/test-user.md) is parsed here; reading it is
 * the caller's job (the CLI and the language server merge it into `settings.testUsers`).
 */
import type { XmlElement } from '../xml/parser';
import { classifyPersonId } from './identifiers';

// ---------------------------------------------------------------------------------------------------------
// The list file
// ---------------------------------------------------------------------------------------------------------

/** Where the workspace's list of test identities lives, relative to the workspace folder. */
export const TEST_USER_FILE = '.kpr/testbrukere.txt';

export interface TestUserFileIssue {
  /** 1-based line number. */
  line: number;
  /** 'whitespace': more than one word on the line (only a person number may be written with spaces). */
  reason: 'whitespace';
}

export interface TestUserFile {
  /** The identities, in file order, without duplicates. */
  ids: string[];
  /** Lines that were skipped. They never carry the line's text, which may hold a person number. */
  issues: TestUserFileIssue[];
}

/**
 * Parses a test-user list: one local person key (pePeID/pid) or person number per line; `#` starts a
 * comment (whole line or after the identity); blank lines are ignored. A person number may be written
 * with spaces ("010203 12345"), which are removed; any other line holding several words is skipped and
 * reported, since guessing which word is the identity could hide a real person behind a test flag.
 */
export function parseTestUserFile(text: string): TestUserFile {
  const ids: string[] = [];
  const seen = new Set<string>();
  const issues: TestUserFileIssue[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i].indexOf('#');
    let id = (hash === -1 ? lines[i] : lines[i].slice(0, hash)).trim();
    if (id === '') continue;
    if (/\s/.test(id)) {
      const compact = id.replace(/\s+/g, '');
      if (!/^[0-9]{11}$/.test(compact)) {
        issues.push({ line: i + 1, reason: 'whitespace' });
        continue;
      }
      id = compact;
    }
    if (!seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  }
  return { ids, issues };
}

// ---------------------------------------------------------------------------------------------------------
// Identities
// ---------------------------------------------------------------------------------------------------------

/** Why an identity is a test person, most certain first. */
export type TestIdentityReason = 'listed-key' | 'listed-person-id' | 'tenor' | 'dolly';

export interface IdentityToCheck {
  /** The local person key: PERSON@pePeID or PasientIdent@pid. */
  key?: string;
  /** The person number (PasientIdent@fid); never present for a fagmelding. */
  personId?: string;
  /** PasientIdent@typeID: what the number claims to be (1 fødselsnummer, 2 D-nummer, …). */
  typeId?: string;
}

// The list is looked up once per record: a Set per list (keyed by the array, rebuilt if its length changes).
const listSets = new WeakMap<readonly string[], { size: number; set: Set<string> }>();

function listSet(list: readonly string[]): Set<string> {
  const cached = listSets.get(list);
  if (cached && cached.size === list.length) return cached.set;
  const set = new Set(list.map((s) => s.trim()).filter(Boolean));
  listSets.set(list, { size: list.length, set });
  return set;
}

/**
 * 'tenor' for a valid month + 80 number (always synthetic); 'dolly' for a valid month + 40 number whose
 * typeID claims a fødselsnummer (1), or a D-nummer (2) with the day offset too: an H-nummer is never
 * reported under those types, while NAV Dolly's synthetic numbers use exactly that offset.
 */
export function syntheticTestNumber(personId: string, typeId: string | undefined): 'tenor' | 'dolly' | undefined {
  if (personId.length !== 11) return undefined;
  const info = classifyPersonId(personId);
  if (!info.valid) return undefined;
  if (info.kind === 'test-tenor') return 'tenor';
  if (info.kind === 'h-number') {
    if (typeId === '1' && !info.dayOffset) return 'dolly';
    if (typeId === '2' && info.dayOffset) return 'dolly';
  }
  return undefined;
}

/** Why the identity is a test person, or undefined when nothing says so. */
export function testIdentityReason(id: IdentityToCheck, testUsers: readonly string[]): TestIdentityReason | undefined {
  const listed = testUsers.length > 0 ? listSet(testUsers) : undefined;
  const key = id.key?.trim();
  if (listed && key && listed.has(key)) return 'listed-key';
  const personId = id.personId?.trim();
  if (listed && personId && listed.has(personId)) return 'listed-person-id';
  if (personId) return syntheticTestNumber(personId, id.typeId?.trim());
  return undefined;
}

export function isTestIdentity(id: IdentityToCheck, testUsers: readonly string[]): boolean {
  return testIdentityReason(id, testUsers) !== undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------

/**
 * Local names (case-insensitive) of elements and attributes taken to hold a person's name. Today's KPR
 * schemas carry no names of persons in care (INNHINFO/iiKontakt/Navn and Kontaktperson@kontPerson are the
 * municipality's contact persons); this is for inputs that do, e.g. a later IPLOS version or a local extract.
 */
export const DEFAULT_NAME_FIELDS: readonly string[] = ['navn', 'fornavn', 'etternavn', 'name'];

export interface TestNameMatch {
  /** The configured test name that matched. */
  name: string;
  /** Where the (first) name field's value is. */
  start: number;
  end: number;
}

/** Lower case, punctuation to spaces, words sorted: "Duck, Donald" and "donald  duck" compare equal. */
function nameKey(s: string): string {
  return s
    .toLowerCase()
    .replace(/[,.;:()"'«»]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .sort()
    .join(' ');
}

const nameMaps = new WeakMap<readonly string[], { size: number; map: Map<string, string> }>();

function nameMap(names: readonly string[]): Map<string, string> {
  const cached = nameMaps.get(names);
  if (cached && cached.size === names.length) return cached.map;
  const map = new Map<string, string>();
  for (const n of names) {
    const k = nameKey(n);
    if (k && !map.has(k)) map.set(k, n.trim());
  }
  nameMaps.set(names, { size: names.length, map });
  return map;
}

// Records repeat a few dozen local names: the case-insensitive test is answered once per name and field list.
const fieldTests = new WeakMap<readonly string[], (local: string) => boolean>();

function fieldTest(nameFields: readonly string[]): (local: string) => boolean {
  let test = fieldTests.get(nameFields);
  if (test) return test;
  const fields = new Set(nameFields.map((f) => f.toLowerCase()));
  const known = new Map<string, boolean>();
  test = (local: string) => {
    let v = known.get(local);
    if (v === undefined) {
      v = fields.has(local.toLowerCase());
      known.set(local, v);
    }
    return v;
  };
  fieldTests.set(nameFields, test);
  return test;
}

interface NameField {
  value: string;
  start: number;
  end: number;
}

/**
 * The last search: the record summary and the test-user rule ask about the same record one after the
 * other, so its names are searched once (one slot, reused: no allocation per record).
 */
const lastSearch: { record: XmlElement | null; testNames: readonly string[]; nameFields: readonly string[]; matches: TestNameMatch[] } = {
  record: null,
  testNames: [],
  nameFields: [],
  matches: [],
};

/**
 * The known test names found in `record`'s subtree (the record element included), one match per element
 * at most. Each name field is compared on its own, and the name fields of one element (its attributes and
 * its child elements, e.g. Fornavn + Etternavn) also together, so a name split over fields is found.
 */
export function findTestNames(
  record: XmlElement,
  testNames: readonly string[],
  nameFields: readonly string[] = DEFAULT_NAME_FIELDS,
): TestNameMatch[] {
  const c = lastSearch;
  if (c.record === record && c.testNames === testNames && c.nameFields === nameFields) return c.matches.slice();
  const matches = searchTestNames(record, testNames, nameFields);
  c.record = record;
  c.testNames = testNames;
  c.nameFields = nameFields;
  c.matches = matches;
  return matches.slice();
}

function searchTestNames(record: XmlElement, testNames: readonly string[], nameFields: readonly string[]): TestNameMatch[] {
  if (testNames.length === 0) return [];
  const names = nameMap(testNames);
  if (names.size === 0) return [];
  const out: TestNameMatch[] = [];
  searchElement(record, fieldTest(nameFields), names, out);
  return out.length > 1 ? out.sort((a, b) => a.start - b.start) : out;
}

/** One element and its subtree (plain index loops: this runs for every element of every record). */
function searchElement(el: XmlElement, isField: (local: string) => boolean, names: Map<string, string>, out: TestNameMatch[]): void {
  let found: NameField[] | undefined;
  const as = el.attrs;
  for (let i = 0; i < as.length; i++) {
    const a = as[i];
    if (isField(a.local) && a.value.trim()) (found ??= []).push({ value: a.value, start: a.valueStart, end: a.valueEnd });
  }
  const cs = el.children;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (isField(c.local) && c.text.trim()) {
      const start = c.textStart === -1 ? c.start : c.textStart;
      (found ??= []).push({ value: c.text, start, end: c.textStart === -1 ? c.startTagEnd : c.textEnd });
    }
    if (c.children.length > 0 || c.attrs.length > 0) searchElement(c, isField, names, out);
  }
  if (!found) return;
  let match: TestNameMatch | undefined;
  for (const f of found) {
    const n = names.get(nameKey(f.value));
    if (n !== undefined) {
      match = { name: n, start: f.start, end: f.end };
      break;
    }
  }
  if (!match && found.length > 1) {
    const n = names.get(nameKey(found.map((f) => f.value).join(' ')));
    if (n !== undefined) match = { name: n, start: found[0].start, end: found[0].end };
  }
  if (match) out.push(match);
}

/**
 * The one answer the summary and the `test-user` rule share: is this record (PERSON or PasientIdent) a
 * test person by its identity or by a name in it?
 */
export function isTestRecord(
  record: XmlElement,
  identity: IdentityToCheck,
  lists: { testUsers: readonly string[]; testNames: readonly string[] },
): boolean {
  return isTestIdentity(identity, lists.testUsers) || findTestNames(record, lists.testNames).length > 0;
}
