import assert from 'node:assert/strict';
import { analyzeText } from '../../../server/src/analysis/analyze';
import { FagmeldingSummary, IdentmeldingSummary } from '../../../server/src/analysis/summary';
import { defaultSettings, Severity } from '../../../server/src/analysis/types';
import { makePersonId } from '../../../server/src/domain/identifiers';
import { isTestIdentity, parseTestUserFile, testIdentityReason } from '../../../server/src/domain/testUsers';
import { createTestUserRule } from '../../../server/src/rules/testUser';
import { analyze, expectFindings, expectNone, fag, findings, ide, ident, person, service } from '../../support/kpr';
import { Rng } from '../../fixtures/rng';

const CODE = 'test-user';
const rng = new Rng('test-user');
const fnr = () => makePersonId(rng, { kind: 'fnr' });
const tenor = () => makePersonId(rng, { kind: 'test-tenor' });
const dolly = () => makePersonId(rng, { kind: 'h-number' });

function assertNoPersonNumberInMessages(xml: string, settings: Parameters<typeof findings>[2] = {}): void {
  for (const language of ['nb', 'en'] as const) {
    for (const f of findings(xml, CODE, { ...settings, language })) assert.doesNotMatch(f.message, /[0-9]{11}/, f.message);
  }
}

/** A number with correct (classic) check digits for a date part, from the naive formulas of DOMAIN.md §5. */
function numberFor(datePart: string): string {
  const check = (digits: string, weights: number[]) => {
    const c = (11 - (weights.reduce((s, w, i) => s + w * Number(digits[i]), 0) % 11)) % 11;
    return c === 10 ? undefined : c;
  };
  for (let i = 100; i < 500; i++) {
    const nine = datePart + String(i);
    const k1 = check(nine, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    const k2 = k1 === undefined ? undefined : check(nine + k1, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if (k2 !== undefined) return nine + k1 + k2;
  }
  throw new Error('no individual number gives valid check digits');
}

function fagSummary(xml: string, settings: Parameters<typeof analyze>[1] = {}): FagmeldingSummary {
  return analyze(xml, settings).summary as FagmeldingSummary;
}

function ideSummary(xml: string, settings: Parameters<typeof analyze>[1] = {}): IdentmeldingSummary {
  return analyze(xml, settings).summary as IdentmeldingSummary;
}

describe('test-user', () => {
  describe('synthetic numbers in the identmelding', () => {
    it('reports a Tenor number (month + 80) as a test person, as a warning, naming the pid only', () => {
      const t = tenor();
      const xml = ide([ident({ pid: '7', fid: fnr() }), ident({ pid: '8', fid: t, typeID: '1' })]);
      const [f] = expectFindings(xml, CODE, [t]);
      assert.equal(f.severity, Severity.Warning);
      assert.equal(
        f.message,
        'pid 8 has a synthetic test number from Tenor ("Test Norge", month + 80) and is a test person. Test users must not be in the submission.',
      );
      assert.equal(
        findings(xml, CODE, { language: 'nb' })[0].message,
        'pid 8 har et syntetisk testnummer fra Tenor («Test Norge», måned + 80) og er en testperson. Testbrukere skal ikke være med i innsendingen.',
      );
      assertNoPersonNumberInMessages(xml);
      assert.deepEqual(
        ideSummary(xml).idents.map((i) => i.testUser),
        [false, true],
      );
    });

    it('reports a month + 40 number under typeID 1 as a likely Dolly test person, but not a real H-nummer (typeID 3)', () => {
      const d = dolly();
      const xml = ide([ident({ pid: '1', fid: d, typeID: '1' }), ident({ pid: '2', fid: dolly(), typeID: '3' })]);
      const [f] = expectFindings(xml, CODE, [d]);
      assert.match(f.message, /^pid 1 has a number with month \+ 40 under typeID 1: most likely a synthetic test person from NAV Dolly/);
      assertNoPersonNumberInMessages(xml);
    });

    it('does not call an invalid +80 number a test person (person-id-invalid reports it)', () => {
      const t = tenor();
      const broken = t.slice(0, 10) + String((Number(t[10]) + 1) % 10);
      expectNone(ide(ident({ pid: '1', fid: broken, typeID: '1' })), CODE);
    });
  });

  describe("the municipality's list", () => {
    it('finds a listed pePeID in the fagmelding, at the pePeID', () => {
      const xml = fag([person({ id: 1 }), person({ id: 99 })]);
      const [f] = expectFindings(xml, CODE, ['99'], { testUsers: ['99'] });
      assert.equal(f.message, "pePeID 99 is on the municipality's list of test users. Test users must not be in the submission.");
      assert.deepEqual(
        fagSummary(xml, { testUsers: ['99'] }).persons.map((p) => p.testUser),
        [false, true],
      );
    });

    it('finds a listed pid, or a listed person number (at the fid, naming only the pid), in the identmelding', () => {
      const listedFid = fnr();
      const xml = ide([ident({ pid: '5', fid: fnr() }), ident({ pid: '6', fid: listedFid }), ident({ pid: '7', fid: fnr() })]);
      const settings = { testUsers: ['5', listedFid] };
      const seen = expectFindings(xml, CODE, ['5', listedFid], settings);
      assert.equal(seen[0].message, "pid 5 is on the municipality's list of test users. Test users must not be in the submission.");
      assert.equal(
        seen[1].message,
        "The person number (fid) of pid 6 is on the municipality's list of test users. Test users must not be in the submission.",
      );
      assertNoPersonNumberInMessages(xml, settings);
      assert.deepEqual(
        ideSummary(xml, settings).idents.map((i) => i.testUser),
        [true, true, false],
      );
    });

    it('does not match a person number from the list against the fagmelding (it has none)', () => {
      expectNone(fag(person({ id: 3 })), CODE, { testUsers: [fnr()] });
    });
  });

  describe('names', () => {
    it('never checks the contact persons (INNHINFO/iiKontakt, Kontaktperson), who are not persons in care', () => {
      const settings = { testNames: ['Kari Testesen', 'Ola Eksempel'] };
      expectNone(fag(person()), CODE, settings);
      expectNone(ide(ident({ pid: '1', fid: fnr() })), CODE, settings);
    });

    it('finds a test name split over Fornavn/Etternavn inside a record (an element a later IPLOS version might bring)', () => {
      const before = '    <PERSONNAVN><Fornavn>Donald</Fornavn><Etternavn>Duck</Etternavn></PERSONNAVN>';
      const xml = fag([person({ id: 1 }), person({ id: 2, before })]);
      const [f] = expectFindings(xml, CODE, ['Donald']);
      assert.equal(f.message, 'pePeID 2 has the name of a known test user (Donald Duck). Test users must not be in the submission.');
      assert.deepEqual(
        fagSummary(xml).persons.map((p) => p.testUser),
        [false, true],
      );
    });

    it('matches case and word order loosely, but not a longer name', () => {
      expectFindings(fag(person({ before: '    <Navn>duck, DONALD</Navn>' })), CODE, ['duck, DONALD']);
      expectNone(fag(person({ before: '    <Navn>Donald Ducksen</Navn>' })), CODE);
      expectNone(fag(person({ before: '    <Merknad>Donald Duck</Merknad>' })), CODE, {});
    });

    it('finds a name attribute on a PasientIdent, and follows settings.testNames', () => {
      const xml = ide(`      <PasientIdent pid="4" fid="${fnr()}" typeID="1" navn="Mikke Mus"/>`);
      expectFindings(xml, CODE, ['Mikke Mus']);
      expectNone(xml, CODE, { testNames: ['Fantomet'] });
      expectFindings(xml.replace('Mikke Mus', 'Fantomet'), CODE, ['Fantomet'], { testNames: ['Fantomet'] });
    });

    it('takes its name fields from the rule options', () => {
      const rule = createTestUserRule({ nameFields: ['peNavn'] });
      const xml = fag(person({ before: '    <peNavn>Skrue McDuck</peNavn>' }));
      const r = analyzeText(xml, { settings: defaultSettings(), rules: [rule] });
      assert.deepEqual(
        r.findings.filter((f) => f.code === CODE).map((f) => xml.slice(f.start, f.end)),
        ['Skrue McDuck'],
      );
      expectNone(xml, CODE);
    });
  });

  it('reports one finding per record even when several signals agree', () => {
    const t = tenor();
    expectFindings(ide(ident({ pid: '9', fid: t, typeID: '1' })), CODE, ['9'], { testUsers: ['9'] });
  });

  it('masks a local key that is itself a person number', () => {
    const key = fnr();
    const xml = ide(ident({ pid: key, fid: tenor(), typeID: '1' }));
    assert.match(findings(xml, CODE)[0].message, /^pid \*{9}[0-9]{2} has a synthetic test number/);
    assertNoPersonNumberInMessages(xml);
  });

  it('follows the severity setting', () => {
    const xml = fag(person({ id: 5, services: [service({ peId: 5 })] }));
    assert.equal(findings(xml, CODE, { testUsers: ['5'], severity: { [CODE]: 'error' } })[0].severity, Severity.Error);
    expectNone(xml, CODE, { testUsers: ['5'], severity: { [CODE]: 'off' } });
  });
});

describe('test-user list file (.kpr/testbrukere.txt)', () => {
  it('reads one identity per line, with comments, blank lines, CRLF, a BOM and spaced person numbers', () => {
    const id = fnr();
    const text = `\uFEFF# Testbrukere i fagsystemet\r\n1001\r\n\r\n  1002   # Donald Duck\r\n${id.slice(0, 6)} ${id.slice(6)}\r\n1001\n`;
    const parsed = parseTestUserFile(text);
    assert.deepEqual(parsed.ids, ['1001', '1002', id]);
    assert.deepEqual(parsed.issues, []);
  });

  it('skips and reports a line with several words, without echoing it', () => {
    const parsed = parseTestUserFile('1001\nDonald Duck\n1002\n');
    assert.deepEqual(parsed.ids, ['1001', '1002']);
    assert.deepEqual(parsed.issues, [{ line: 2, reason: 'whitespace' }]);
  });

  it('feeds isTestIdentity: listed keys and numbers, Tenor always, Dolly only where it claims a fødselsnummer', () => {
    const listed = fnr();
    const { ids } = parseTestUserFile(`42\n${listed}\n`);
    assert.equal(testIdentityReason({ key: '42' }, ids), 'listed-key');
    assert.equal(testIdentityReason({ key: '43', personId: listed, typeId: '1' }, ids), 'listed-person-id');
    assert.equal(testIdentityReason({ key: '44', personId: tenor(), typeId: '1' }, []), 'tenor');
    const d = dolly();
    assert.equal(testIdentityReason({ key: '45', personId: d, typeId: '1' }, []), 'dolly');
    assert.equal(isTestIdentity({ key: '45', personId: d, typeId: '3' }, []), false);
    // Dolly's D-nummer: day + 40 and month + 40, under typeID 2.
    const dollyD = numberFor('454785');
    assert.equal(testIdentityReason({ key: '47', personId: dollyD, typeId: '2' }, []), 'dolly');
    assert.equal(testIdentityReason({ key: '47', personId: dollyD, typeId: '3' }, []), undefined);
    assert.equal(isTestIdentity({ key: '46', personId: fnr(), typeId: '1' }, ids), false);
  });
});
