import assert from 'node:assert/strict';
import {
  centuryYear,
  classifyPersonId,
  isValidOrgNumber,
  isValidPersonId,
  looksLikePersonId,
  makeOrgNumber,
  makePersonId,
  orgNumberCheckDigit,
  orgNumberProblem,
  type PersonIdKind,
} from '../../server/src/domain/identifiers';
import { Rng } from '../fixtures/rng';

// An independent, deliberately naive implementation of the published formulas (DOMAIN.md §5), used as the
// oracle: it shares no code with the module under test.
function oracleCheck(digits: string, weights: number[]): number | undefined {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += Number(digits[i]) * weights[i];
  const c = 11 - (sum % 11);
  if (c === 11) return 0;
  if (c === 10) return undefined;
  return c;
}
const K1W = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2W = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/** Nine digits + classic K1 + K2, or undefined when either check digit would be 10. */
function withOracleCheckDigits(nine: string): string | undefined {
  const k1 = oracleCheck(nine, K1W);
  if (k1 === undefined) return undefined;
  const k2 = oracleCheck(nine + k1, K2W);
  return k2 === undefined ? undefined : nine + k1 + k2;
}

/** The first individual number (from `from`) giving valid check digits for a date part. */
function firstValid(datePart: string, from = 0): string {
  for (let i = from; i < 1000; i++) {
    const id = withOracleCheckDigits(datePart + String(i).padStart(3, '0'));
    if (id) return id;
  }
  throw new Error('no individual number gives valid check digits');
}

function randomDate(rng: Rng, fromYear: number, toYear: number): string {
  const year = rng.int(fromYear, toYear);
  const month = rng.int(1, 12);
  const dim = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(rng.int(1, dim)).padStart(2, '0')}`;
}

describe('organisasjonsnummer', () => {
  it('accepts the published example 974589095 and computes its check digit', () => {
    assert.equal(isValidOrgNumber('974589095'), true);
    assert.equal(orgNumberProblem('974589095'), undefined);
    assert.equal(orgNumberCheckDigit('97458909'), 5);
  });

  it('rejects every single-digit change of a valid number as a check-digit error', () => {
    const valid = '974589095';
    for (let pos = 0; pos < 9; pos++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === valid[pos]) continue;
        const mutated = valid.slice(0, pos) + d + valid.slice(pos + 1);
        assert.equal(orgNumberProblem(mutated), 'check-digit', mutated);
      }
    }
  });

  it('reports length and non-digit problems', () => {
    assert.equal(orgNumberProblem('97458909'), 'length');
    assert.equal(orgNumberProblem('9745890950'), 'length');
    assert.equal(orgNumberProblem(''), 'length');
    assert.equal(orgNumberProblem('974 589 095'), 'non-digit');
    assert.equal(orgNumberProblem('97458909X'), 'non-digit');
  });

  it('has no check digit when the remainder gives 10, and such numbers are never valid', () => {
    let found = 0;
    for (let stem = 80000000; stem < 80000200; stem++) {
      const s = String(stem);
      const oracle = oracleCheck(s, [3, 2, 7, 6, 5, 4, 3, 2]);
      assert.equal(orgNumberCheckDigit(s), oracle, s);
      if (oracle === undefined) {
        found++;
        for (let d = 0; d <= 9; d++) assert.equal(isValidOrgNumber(s + d), false);
      }
    }
    assert.ok(found > 0, 'the scanned range should contain stems without a check digit');
    assert.equal(orgNumberCheckDigit('1234567'), undefined);
    assert.equal(orgNumberCheckDigit('1234567a'), undefined);
  });

  it('generates valid numbers in the 8/9 series, reproducibly', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 2000; i++) {
      const n = makeOrgNumber(rng);
      assert.match(n, /^[89][0-9]{8}$/);
      assert.equal(oracleCheck(n, [3, 2, 7, 6, 5, 4, 3, 2]), Number(n[8]), n);
    }
    assert.equal(makeOrgNumber(new Rng(99)), makeOrgNumber(new Rng(99)));
  });
});

describe('person numbers', () => {
  it('validates a hand-computed Tenor test number (01.01.1999, individual 123, month + 80)', () => {
    // K1 = 11 − (0·3+1·7+8·6+1·1+9·8+9·9+1·4+2·5+3·2 = 229 ≡ 9) = 2; K2 = 11 − (173 ≡ 8) = 3.
    const info = classifyPersonId('01819912323');
    assert.equal(info.kind, 'test-tenor');
    assert.equal(info.valid, true);
    assert.equal(info.isTestPerson, true);
    assert.equal(info.birthDate, '1999-01-01');
    assert.equal(info.sex, 'M');
    assert.equal(info.checkRule, 'classic');
  });

  it('accepts the 2032 rule: K1 one, two or three above the classic remainder', () => {
    // For 018199123 the classic K1 is 2; the 2032 rule adds 3, 4 and 5 (weighted remainder 1, 2, 3).
    for (const k1 of [3, 4, 5]) {
      const k2 = oracleCheck('018199123' + k1, K2W);
      if (k2 === undefined) continue;
      const info = classifyPersonId('018199123' + k1 + k2);
      assert.equal(info.valid, true, `K1=${k1}`);
      assert.equal(info.checkRule, 'extended');
    }
    for (const k1 of [0, 1, 6, 7, 8, 9]) {
      const k2 = oracleCheck('018199123' + k1, K2W);
      if (k2 === undefined) continue;
      const info = classifyPersonId('018199123' + k1 + k2);
      assert.equal(info.valid, false, `K1=${k1}`);
      assert.equal(info.problem, 'check-digit');
    }
  });

  it('rejects every single-digit change of a valid number', () => {
    const rng = new Rng('mutations');
    for (const kind of ['fnr', 'd-number', 'h-number', 'fh-number', 'test-tenor'] as PersonIdKind[]) {
      for (let n = 0; n < 20; n++) {
        const id = makePersonId(rng, { kind, birthDate: randomDate(rng, 1900, 2030) });
        for (let pos = 0; pos < 11; pos++) {
          for (let d = 0; d <= 9; d++) {
            if (String(d) === id[pos]) continue;
            const mutated = id.slice(0, pos) + d + id.slice(pos + 1);
            assert.equal(isValidPersonId(mutated), false, `${kind} position ${pos}`);
          }
        }
      }
    }
  });

  it('reports length and non-digit problems without guessing a kind', () => {
    assert.deepEqual(
      [classifyPersonId('0181991232').problem, classifyPersonId('018199123234').problem, classifyPersonId('').problem],
      ['length', 'length', 'length'],
    );
    const spaced = classifyPersonId('018199 12323');
    assert.equal(spaced.problem, 'non-digit');
    assert.equal(spaced.kind, undefined);
    assert.equal(classifyPersonId('01819912A23').problem, 'non-digit');
  });

  it('rejects impossible dates even with valid check digits', () => {
    const cases: Array<[string, PersonIdKind]> = [
      ['310299', 'fnr'], // 31 February
      ['290299', 'fnr'], // 1999 is no leap year (individual 0–499 → 1900s)
      ['311199', 'fnr'], // 31 November
      ['001099', 'fnr'], // day 0
      ['011399', 'fnr'], // month 13
      ['710299', 'd-number'], // D-number for 31 February
      ['304299', 'h-number'], // H-number for 30 February
      ['318299', 'test-tenor'], // Tenor number for 31 February
    ];
    for (const [datePart, kind] of cases) {
      const id = firstValid(datePart);
      const info = classifyPersonId(id);
      assert.equal(info.valid, false, datePart);
      assert.equal(info.problem, 'date', datePart);
      assert.equal(info.kind, kind, datePart);
    }
    // 29 February 2000 exists (individual 500–999 with year 00 → 2000s) but 29 February 1900 does not.
    assert.equal(classifyPersonId(firstValid('290200', 500)).valid, true);
    assert.equal(classifyPersonId(firstValid('290200', 0)).problem, 'date');
  });

  it('derives the century from the individual number', () => {
    assert.equal(centuryYear(99, 0), 1999);
    assert.equal(centuryYear(54, 499), 1954);
    assert.equal(centuryYear(54, 500), 1854);
    assert.equal(centuryYear(99, 749), 1899);
    assert.equal(centuryYear(53, 600), undefined); // 500–749 only covers 1854–1899 and 2000–2039
    assert.equal(centuryYear(0, 500), 2000);
    assert.equal(centuryYear(39, 999), 2039);
    assert.equal(centuryYear(40, 800), undefined); // 750–899 with year 40–99 was never issued
    assert.equal(centuryYear(40, 900), 1940);
    assert.equal(centuryYear(99, 999), 1999);

    const born1870 = classifyPersonId(firstValid('150770', 500));
    assert.equal(born1870.birthDate, '1870-07-15');
    const born2010 = classifyPersonId(firstValid('150710', 500));
    assert.equal(born2010.birthDate, '2010-07-15');
    const born1950 = classifyPersonId(firstValid('150750', 900));
    assert.equal(born1950.birthDate, '1950-07-15');
    const neverIssued = classifyPersonId(firstValid('150750', 750));
    assert.equal(neverIssued.problem, 'date');
  });

  it('recognises D-number (day + 40) and H-number (month + 40) offsets', () => {
    const d = classifyPersonId(firstValid('410199'));
    assert.equal(d.kind, 'd-number');
    assert.equal(d.valid, true);
    assert.equal(d.dayOffset, true);
    assert.equal(d.birthDate, '1999-01-01');
    assert.equal(classifyPersonId(firstValid('710199')).birthDate, '1999-01-31');

    const h = classifyPersonId(firstValid('014199'));
    assert.equal(h.kind, 'h-number');
    assert.equal(h.valid, true);
    assert.equal(h.maybeDollyTest, true);
    assert.equal(h.isTestPerson, false);
    assert.equal(h.birthDate, '1999-01-01');
    assert.equal(classifyPersonId(firstValid('015299')).birthDate, '1999-12-01');
  });

  it('treats month + 80 as a Tenor test person, also on a D-number', () => {
    const t = classifyPersonId(firstValid('019299'));
    assert.equal(t.kind, 'test-tenor');
    assert.equal(t.isTestPerson, true);
    assert.equal(t.birthDate, '1999-12-01');
    const td = classifyPersonId(firstValid('418199'));
    assert.equal(td.kind, 'test-tenor');
    assert.equal(td.dayOffset, true);
    assert.equal(td.valid, true);
  });

  it('reads an FH-number (first digit 8 or 9) without a date', () => {
    const fh = classifyPersonId(firstValid('812345'));
    assert.equal(fh.kind, 'fh-number');
    assert.equal(fh.valid, true);
    assert.equal(fh.birthDate, undefined);
    assert.equal(classifyPersonId(firstValid('999999')).kind, 'fh-number');
  });

  it('round-trips every kind over many seeds', () => {
    const kinds: PersonIdKind[] = ['fnr', 'd-number', 'h-number', 'fh-number', 'test-tenor'];
    for (let seed = 0; seed < 400; seed++) {
      const rng = new Rng(seed);
      for (const kind of kinds) {
        const birthDate = randomDate(rng, 1854, 2039);
        const sex = rng.chance(0.5) ? 'M' : 'K';
        const checkRule = rng.chance(0.2) ? 'extended' : 'classic';
        const id = makePersonId(rng, { kind, birthDate, sex, checkRule });
        const info = classifyPersonId(id);
        const label = `seed ${seed} ${kind} ${birthDate} ${checkRule}`;
        assert.match(id, /^[0-9]{11}$/, label);
        assert.equal(info.valid, true, label);
        assert.equal(info.kind, kind, label);
        assert.equal(info.checkRule, checkRule, label);
        assert.equal(info.isTestPerson, kind === 'test-tenor', label);
        if (kind === 'fh-number') {
          assert.match(id, /^[89]/, label);
          assert.equal(info.birthDate, undefined, label);
        } else {
          assert.equal(info.birthDate, birthDate, label);
          assert.equal(info.sex, sex, label);
        }
        if (checkRule === 'classic') {
          assert.equal(withOracleCheckDigits(id.slice(0, 9)), id, label);
        }
      }
    }
  });

  it('refuses birth dates no series covers', () => {
    const rng = new Rng(1);
    assert.throws(() => makePersonId(rng, { kind: 'fnr', birthDate: '1853-12-31' }), RangeError);
    assert.throws(() => makePersonId(rng, { kind: 'fnr', birthDate: '2040-01-01' }), RangeError);
    assert.throws(() => makePersonId(rng, { kind: 'fnr', birthDate: '2001-02-29' }), RangeError);
  });

  it('looksLikePersonId flags valid fødselsnummer and D-numbers only (by default)', () => {
    const rng = new Rng('looks');
    const fnr = makePersonId(rng, { kind: 'fnr', birthDate: '1944-05-17' });
    const dnr = makePersonId(rng, { kind: 'd-number', birthDate: '1980-10-02' });
    const hnr = makePersonId(rng, { kind: 'h-number', birthDate: '1980-10-02' });
    const fh = makePersonId(rng, { kind: 'fh-number' });
    const tenor = makePersonId(rng, { kind: 'test-tenor', birthDate: '1980-10-02' });
    assert.equal(looksLikePersonId(fnr), true);
    assert.equal(looksLikePersonId(dnr), true);
    assert.equal(looksLikePersonId(hnr), false);
    assert.equal(looksLikePersonId(fh), false);
    assert.equal(looksLikePersonId(tenor), false);
    assert.equal(looksLikePersonId(hnr, ['h-number']), true);
    assert.equal(looksLikePersonId(fnr.slice(0, 10)), false);
    assert.equal(looksLikePersonId(fnr + '0'), false);
    // A wrong K2 on an otherwise plausible number is not a person id.
    assert.equal(looksLikePersonId(fnr.slice(0, 10) + ((Number(fnr[10]) + 1) % 10)), false);
  });
});
