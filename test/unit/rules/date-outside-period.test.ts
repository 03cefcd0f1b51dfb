import assert from 'node:assert/strict';
import { expectFindings, expectNone, fag, findings, person, service } from '../../support/kpr';

const CODE = 'date-outside-period';

/** A person whose peAlder is `age` (the builders' person is 84). */
function personAged(age: number, services: string[]): string {
  return person({ services }).replace('<peAlder>84</peAlder>', `<peAlder>${age}</peAlder>`);
}

describe('date-outside-period', () => {
  it('finds nothing in a valid fagmelding from the builders', () => {
    expectNone(fag(person()), CODE);
  });

  it('accepts services that overlap the period, open or closed, starting long before it', () => {
    const services = [
      service({ from: '20100101', to: '20230101' }),
      service({ from: '20231231', tjTjID: 2 }),
      service({ from: '19800101', to: null, tjTjID: 3 }),
      service({ from: null, to: '20230615', tjTjID: 4 }),
    ];
    expectNone(fag(person({ services })), CODE);
  });

  it('reports a service that ended before the period began, at tjTilDato, as a warning', () => {
    const xml = fag(person({ services: [service({ from: '20220101', to: '20221231' })] }));
    const [f] = expectFindings(xml, CODE, ['20221231']);
    assert.equal(f.severity, 2);
    assert.equal(
      f.message,
      'The service ended on 20221231 (tjTilDato), before the reporting period 20230101–20231231 begins. It lies entirely outside the period and is not counted.',
    );
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[0].message,
      'Tjenesten sluttet 20221231 (tjTilDato), før rapporteringsperioden 20230101–20231231 begynner. Den er helt utenfor perioden og telles ikke.',
    );
  });

  it('reports a service that starts after the period ends, at tjFraDato', () => {
    const [f] = expectFindings(fag(person({ services: [service({ from: '20240101' })] })), CODE, ['20240101']);
    assert.match(f.message, /^The service starts on 20240101 \(tjFraDato\), after the reporting period 20230101–20231231 ends/);
  });

  it('uses settings.reportingYear over the period in INNHINFO', () => {
    const xml = fag(person({ services: [service({ from: '20220101', to: '20221231' })] }));
    expectNone(xml, CODE, { reportingYear: 2022 });
    expectFindings(fag(person({ services: [service({ from: '20230110' })] })), CODE, ['20230110'], { reportingYear: 2022 });
  });

  it('reports a start before 1980, even without a period', () => {
    const xml = fag(person({ services: [service({ from: '19791231' })] }), { from: '2023', to: '2023' });
    const [f] = expectFindings(xml, CODE, ['19791231']);
    assert.equal(f.message, 'The service starts on 19791231 (tjFraDato), before 1980. KPR only uses start dates from 19800101; check the date.');
  });

  it('reports both ends of a service that ended before the period and started before 1980', () => {
    expectFindings(fag(person({ services: [service({ from: '19750101', to: '19990101' })] })), CODE, ['19990101', '19750101']);
  });

  it('reports a start before the person can have been born, only when peAlder makes it certain', () => {
    // Age 5 at some date in or after 2023: born on 20170102 at the earliest.
    const early = fag(personAged(5, [service({ from: '20170101' })]));
    const [f] = expectFindings(early, CODE, ['20170101']);
    assert.equal(
      f.message,
      'The service starts on 20170101 (tjFraDato), before the person can have been born: with peAlder 5 in the period 20230101–20231231, the person was born on 20170102 at the earliest.',
    );
    assert.equal(
      findings(early, CODE, { language: 'nb' })[0].message,
      'Tjenesten starter 20170101 (tjFraDato), før personen kan være født: med peAlder 5 i perioden 20230101–20231231 er personen født tidligst 20170102.',
    );
    expectNone(fag(personAged(5, [service({ from: '20170102' })])), CODE);
    expectNone(fag(personAged(0, [service({ from: '20220102' })])), CODE);
    expectFindings(fag(personAged(0, [service({ from: '20220101' })])), CODE, ['20220101']);
  });

  it('does not guess a birth date without a usable age or period', () => {
    expectNone(fag(personAged(5, [service({ from: '20100101' })]), { from: '20230101', to: '2023123' }), CODE);
    expectNone(fag(person({ services: [service({ from: '20100101' })] }).replace('<peAlder>84</peAlder>', '<peAlder>x</peAlder>')), CODE);
  });

  it('ignores dates that do not exist (date-invalid reports them)', () => {
    expectNone(fag(person({ services: [service({ from: '20220101', to: '20221131' })] })), CODE);
    expectNone(fag(person({ services: [service({ from: '19790230' })] })), CODE);
  });
});
