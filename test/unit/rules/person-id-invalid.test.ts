import assert from 'node:assert/strict';
import { makePersonId } from '../../../server/src/domain/identifiers';
import { Severity } from '../../../server/src/analysis/types';
import { analyze, expectFindings, expectNone, findings, ide, ident } from '../../support/kpr';
import { Rng } from '../../fixtures/rng';

const CODE = 'person-id-invalid';
const rng = new Rng('person-id-invalid');
const fnr = () => makePersonId(rng, { kind: 'fnr' });
const dnr = () => makePersonId(rng, { kind: 'd-number' });
const hnr = () => makePersonId(rng, { kind: 'h-number' });
const fhnr = () => makePersonId(rng, { kind: 'fh-number' });
const tenor = () => makePersonId(rng, { kind: 'test-tenor' });

/** Nine digits with classic check digits appended (naive formulas of DOMAIN.md §5), or undefined. */
function withCheckDigits(nine: string): string | undefined {
  const check = (digits: string, weights: number[]) => {
    const sum = weights.reduce((s, w, i) => s + w * Number(digits[i]), 0);
    const c = (11 - (sum % 11)) % 11;
    return c === 10 ? undefined : c;
  };
  const k1 = check(nine, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
  if (k1 === undefined) return undefined;
  const k2 = check(nine + k1, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
  return k2 === undefined ? undefined : nine + k1 + k2;
}

/** A number with correct check digits for a date part, trying individual numbers from 100. */
function numberFor(datePart: string): string {
  for (let i = 100; i < 500; i++) {
    const id = withCheckDigits(datePart + String(i));
    if (id) return id;
  }
  throw new Error('no individual number gives valid check digits');
}

/** Changes the last digit, so the check digit no longer fits. */
function breakCheck(id: string): string {
  return id.slice(0, 10) + String((Number(id[10]) + 1) % 10);
}

function assertNoPersonNumberInMessages(xml: string): void {
  for (const language of ['nb', 'en'] as const) {
    for (const f of findings(xml, CODE, { language })) assert.doesNotMatch(f.message, /[0-9]{11}/, f.message);
  }
}

describe('person-id-invalid', () => {
  it('accepts a valid number of the kind typeID names (1, 2, 3, 12) and leaves other typeIDs alone', () => {
    expectNone(
      ide([
        ident({ pid: '1', fid: fnr(), typeID: '1' }),
        ident({ pid: '2', fid: dnr(), typeID: '2' }),
        ident({ pid: '3', fid: hnr(), typeID: '3' }),
        ident({ pid: '4', fid: fhnr(), typeID: '12' }),
        ident({ pid: '5', fid: 'ABC-123', typeID: '4' }),
      ]),
      CODE,
    );
  });

  it('reports wrong check digits at the number, naming the pid but not the number', () => {
    const bad = breakCheck(fnr());
    const xml = ide(ident({ pid: '17', fid: bad, typeID: '1' }));
    const [f] = expectFindings(xml, CODE, [bad]);
    assert.equal(f.severity, Severity.Error);
    assert.equal(
      f.message,
      'fid for pid 17 is not a valid fødselsnummer: the check digits (the last two digits) do not match. Check the number in the EPJ system.',
    );
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[0].message,
      'fid for pid 17 er ikke et gyldig fødselsnummer: kontrollsifrene (de to siste sifrene) stemmer ikke. Sjekk nummeret i fagsystemet.',
    );
    assertNoPersonNumberInMessages(xml);
  });

  it('reports a number whose date does not exist even when the check digits add up (31 February, 30 February as D-nummer)', () => {
    const feb31 = numberFor('310285');
    const dFeb30 = numberFor('700285');
    const xml = ide([ident({ pid: '1', fid: feb31, typeID: '1' }), ident({ pid: '2', fid: dFeb30, typeID: '2' })]);
    const seen = expectFindings(xml, CODE, [feb31, dFeb30]);
    assert.match(seen[0].message, /not a valid fødselsnummer: the first six digits are not a real date/);
    assert.match(seen[1].message, /not a valid D-nummer: the first six digits are not a real date/);
    assertNoPersonNumberInMessages(xml);
  });

  it('reports a wrong length, characters other than digits, and an empty fid', () => {
    const id = fnr();
    const spaced = `${id.slice(0, 6)} ${id.slice(6)}`;
    const xml = ide([
      ident({ pid: '1', fid: id.slice(0, 10), typeID: '1' }),
      ident({ pid: '2', fid: spaced, typeID: '1' }),
      ident({ pid: '3', fid: '', typeID: '2' }),
    ]);
    const seen = expectFindings(xml, CODE, [id.slice(0, 10), spaced, 'fid=""']);
    assert.equal(seen[0].message, 'fid for pid 1 is not a valid fødselsnummer: it must have 11 digits, but has 10.');
    assert.match(seen[1].message, /must hold digits only \(11\), but has other characters/);
    assert.equal(seen[2].message, 'fid is empty for pid 3; typeID 2 (D-nummer) needs an 11-digit number.');
  });

  it('reports a typeID that does not match a valid number, at the typeID, with the number as related location', () => {
    const d = dnr();
    const f = fnr();
    const fh = fhnr();
    const t = tenor();
    const xml = ide([
      ident({ pid: '1', fid: d, typeID: '1' }),
      ident({ pid: '2', fid: f, typeID: '2' }),
      ident({ pid: '3', fid: fh, typeID: '1' }),
      ident({ pid: '4', fid: f, typeID: '12' }),
      ident({ pid: '5', fid: t, typeID: '3' }),
    ]);
    const seen = expectFindings(xml, CODE, ['1', '2', '1', '12', '3']);
    assert.equal(seen[0].message, 'typeID 1 says fødselsnummer, but fid for pid 1 is a D-nummer. Correct the typeID or the number.');
    assert.equal(seen[1].message, 'typeID 2 says D-nummer, but fid for pid 2 is a fødselsnummer. Correct the typeID or the number.');
    assert.equal(seen[2].message, 'typeID 1 says fødselsnummer, but fid for pid 3 is a FH-nummer. Correct the typeID or the number.');
    assert.equal(seen[3].message, 'typeID 12 says FH-nummer, but fid for pid 4 is a fødselsnummer. Correct the typeID or the number.');
    assert.match(seen[4].message, /is a synthetic test number \(Tenor, month \+ 80\)/);
    const raw = analyze(xml).findings.filter((x) => x.code === CODE)[0];
    assert.equal(xml.slice(raw.related![0].start, raw.related![0].end), d);
    assert.equal(xml.slice(raw.start - 'typeID="'.length, raw.end), 'typeID="1');
    assertNoPersonNumberInMessages(xml);
  });

  it('leaves synthetic numbers under a matching typeID to the test-user rule', () => {
    // Tenor (+80) and Dolly (+40) numbers imitate a fødselsnummer: not this rule's finding.
    expectNone(ide([ident({ pid: '1', fid: tenor(), typeID: '1' }), ident({ pid: '2', fid: hnr(), typeID: '1' })]), CODE);
  });

  it('masks a pid that is itself a person number', () => {
    const key = fnr();
    const xml = ide(ident({ pid: key, fid: breakCheck(fnr()), typeID: '1' }));
    const [f] = findings(xml, CODE);
    assert.match(f.message, /^fid for pid \*{9}[0-9]{2} is not a valid/);
    assertNoPersonNumberInMessages(xml);
  });

  it('follows the severity setting, and is silent when off', () => {
    const xml = ide(ident({ pid: '1', fid: breakCheck(fnr()), typeID: '1' }));
    assert.equal(findings(xml, CODE, { severity: { [CODE]: 'warning' } })[0].severity, Severity.Warning);
    expectNone(xml, CODE, { severity: { [CODE]: 'off' } });
  });
});
