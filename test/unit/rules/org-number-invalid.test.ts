import { makePersonId } from '../../../server/src/domain/identifiers';
import { Rng } from '../../fixtures/rng';
import assert from 'node:assert/strict';
import { expectFindings, expectNone, fag, findings, person, service } from '../../support/kpr';

const CODE = 'org-number-invalid';

function dogntilbud(orgnr: string): string {
  return `    <DOGNTILBUD dgPeID="1" dgDgID="1"><dgInstOrgnr>${orgnr}</dgInstOrgnr><dgFraDato>20230101</dgFraDato><dgTilDato>20230201</dgTilDato></DOGNTILBUD>`;
}

describe('org-number-invalid', () => {
  it('finds nothing in a valid fagmelding from the builders, nor on valid numbers', () => {
    expectNone(fag(person()), CODE);
    expectNone(fag(person({ services: [service({ orgnr: '983544622' })], after: dogntilbud('974589095') })), CODE);
  });

  it('reports a wrong check digit, in both languages', () => {
    const xml = fag(person({ services: [service({ orgnr: '974589096' })] }));
    const [f] = expectFindings(xml, CODE, ['974589096']);
    assert.equal(f.message, 'tjInstOrgnr 974589096 has a wrong check digit (modulus 11) and is not an organisation number. Look the number up in Enhetsregisteret.');
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[0].message,
      'tjInstOrgnr 974589096 har feil kontrollsiffer (modulus 11) og er ikke et organisasjonsnummer. Sjekk nummeret i Enhetsregisteret.',
    );
  });

  it('reports a stem whose check digit would be 10 (no valid number exists)', () => {
    // 97458915: the weighted sum leaves remainder 1, so no check digit can make it valid.
    const xml = fag(person({ services: [service({ orgnr: '974589150' })] }));
    expectFindings(xml, CODE, ['974589150']);
  });

  it('says when the length is wrong or when there are other characters than digits', () => {
    const xml = fag(person({ services: [service({ orgnr: '97458909' }), service({ orgnr: '974 589 09', tjTjID: 2 }), service({ orgnr: '', tjTjID: 3 })] }));
    const f = expectFindings(xml, CODE, ['97458909', '974 589 09', '<tjInstOrgnr>']);
    assert.equal(f[0].message, 'tjInstOrgnr "97458909" has 8 digits; an organisation number has 9.');
    assert.equal(f[1].message, 'tjInstOrgnr "974 589 09" contains characters other than digits; an organisation number is 9 digits without spaces.');
    assert.equal(f[2].message, 'tjInstOrgnr "" has 0 digits; an organisation number has 9.');
    const nb = findings(xml, CODE, { language: 'nb' });
    assert.equal(nb[0].message, 'tjInstOrgnr «97458909» har 8 sifre; et organisasjonsnummer har 9.');
    assert.equal(nb[1].message, 'tjInstOrgnr «974 589 09» inneholder andre tegn enn sifre; et organisasjonsnummer er 9 sifre uten mellomrom.');
  });

  it('checks dgInstOrgnr in DOGNTILBUD', () => {
    const xml = fag(person({ after: dogntilbud('12345678A') }));
    const [f] = expectFindings(xml, CODE, ['12345678A']);
    assert.match(f.message, /^dgInstOrgnr "12345678A" contains characters other than digits/);
  });

  it('leaves an org number on a service that must not have one to org-number-not-allowed', () => {
    expectNone(fag(person({ services: [service({ code: 29, orgnr: '123' })] })), CODE);
    expectNone(fag(person({ services: [service({ code: 12, orgnr: '123' })] })), CODE);
    expectFindings(fag(person({ services: [service({ code: 6, orgnr: '123' })] })), CODE, ['123']);
  });
});

describe('org-number-invalid and privacy', () => {
  it('never prints a fødselsnummer typed into tjInstOrgnr', () => {
    const fnr = makePersonId(new Rng('org-fnr'), { kind: 'fnr', birthDate: '1950-05-17' });
    const seen = findings(fag(person({ services: [service({ orgnr: fnr })] })), 'org-number-invalid');
    assert.equal(seen.length, 1);
    for (const s of seen) assert.doesNotMatch(s.message, /\d{11}/);
  });
});
