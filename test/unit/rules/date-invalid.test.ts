import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addYears,
  compareYyyymmdd,
  formatYyyymmdd,
  isValidYyyymmdd,
  nextDay,
  parseYyyymmdd,
  xsDateProblem,
  xsDateToYyyymmdd,
  yyyymmddProblem,
  yyyymmProblem,
} from '../../../server/src/domain/dates';
import { DATE_ELEMENTS, MONTH_ELEMENTS } from '../../../server/src/rules/dateInvalid';
import { analyze, expectFindings, expectNone, fag, findings, ide, ident, person, service } from '../../support/kpr';

const CODE = 'date-invalid';

function personoppl(inner: string): string {
  return `    <PERSONOPPL poPeID="1" poPoID="1">${inner}</PERSONOPPL>`;
}

describe('date-invalid', () => {
  it('knows exactly the DatoType elements of the 2018 schema (and its two year-months)', () => {
    const xsd = readFileSync(join(__dirname, '../../../schemas/kpr/IPLOS(2018)rev2018_10_10.xsd'), 'utf8');
    const fromSchema = [...xsd.matchAll(/name="(\w+)" type="ipl:DatoType"/g)].map((m) => m[1]).sort();
    assert.deepEqual([...DATE_ELEMENTS].sort(), fromSchema);
    const yearMonths = [...xsd.matchAll(/name="(\w+)"[^>]*>\s*<xs:simpleType>\s*<xs:restriction base="xs:string">\s*<xs:length value="6"\/>/g)].map((m) => m[1]).sort();
    assert.deepEqual([...MONTH_ELEMENTS].sort(), yearMonths);
  });

  it('finds nothing in a valid fagmelding or identmelding from the builders', () => {
    expectNone(fag(person()), CODE);
    expectNone(ide(ident()), CODE);
  });

  it('reports a day that the month does not have, pointing at the value', () => {
    const xml = fag(person({ services: [service({ to: '20230431' })] }));
    const [f] = expectFindings(xml, CODE, ['20230431']);
    assert.equal(f.message, 'tjTilDato 20230431 is not a real date: there is no April 31.');
    const raw = analyze(xml).findings.find((x) => x.code === CODE)!;
    assert.equal(raw.start, xml.indexOf('<tjTilDato>') + '<tjTilDato>'.length);
  });

  it('speaks Norwegian and English', () => {
    const xml = fag(person({ services: [service({ to: '20230231' })] }));
    assert.equal(findings(xml, CODE, { language: 'nb' })[0].message, 'tjTilDato 20230231 er ikke en dato som finnes: 31. februar finnes ikke.');
    assert.equal(findings(xml, CODE, { language: 'en' })[0].message, 'tjTilDato 20230231 is not a real date: there is no February 31.');
  });

  it('knows leap years: 29 February 2023 does not exist, 2024 and 2000 have it, 1900 does not', () => {
    const f = expectFindings(fag(person({ services: [service({ from: '20230229' })] })), CODE, ['20230229']);
    assert.match(f[0].message, /2023 is not a leap year, so there is no February 29/);
    expectNone(fag(person({ services: [service({ from: '20240229' })] })), CODE);
    expectNone(fag(person({ fraDato: '20000229' })), CODE);
    expectFindings(fag(person({ fraDato: '19000229' })), CODE, ['19000229']);
  });

  it('leaves the form to the schema: month 13, day 32, day 00, wrong length, letters', () => {
    for (const bad of ['20231301', '20230132', '20230100', '2023011', '2023O101']) {
      expectNone(fag(person({ services: [service({ to: bad })] })), CODE);
    }
  });

  it('checks every date element of the schema: INNHINFO, PERSON, PERSONOPPL, FUNKSJON, TJENESTE, DIAGNOSE, DOGNTILBUD', () => {
    const xml = fag(
      person({
        dodDato: '20230931',
        before: [
          personoppl('<poLegeMiddGjDato>20230230</poLegeMiddGjDato><poFraDato>20230631</poFraDato><poTilDato>20231231</poTilDato>'),
          `    <FUNKSJON fnPeID="1" fnFnID="1"><fnFunkType>1</fnFunkType><fnFunkVerdi>2</fnFunkVerdi><fnFraDato>20230101</fnFraDato><fnTilDato>20231131</fnTilDato></FUNKSJON>`,
        ].join('\n'),
        services: [
          service({
            vedtDato: '20220931',
            extra: '      <tjKlageMottatt>20230301</tjKlageMottatt>\n      <tjKlageBesvart>20230229</tjKlageBesvart>',
          }),
        ],
        after: [
          `    <DIAGNOSE diPeID="1" diDiID="1"><diKodeVersjon>ICD-10</diKodeVersjon><diDiagKode>F03</diDiagKode><diFraDato>20210431</diFraDato><diTilDato>20231231</diTilDato></DIAGNOSE>`,
          `    <DOGNTILBUD dgPeID="1" dgDgID="1"><dgInstOrgnr>974589095</dgInstOrgnr><dgFraDato>20230101</dgFraDato><dgTilDato>20230631</dgTilDato></DOGNTILBUD>`,
        ].join('\n'),
      }),
      { from: '20230101', to: '20231231' },
    );
    expectFindings(xml, CODE, ['20230931', '20230230', '20230631', '20231131', '20220931', '20230229', '20210431', '20230631']);
  });

  it('checks the header (INNHINFO) dates', () => {
    const xml = fag(person(), { from: '20230230' });
    const [f] = expectFindings(xml, CODE, ['20230230']);
    assert.match(f.message, /^iiFraDato 20230230/);
  });

  it('reports year 0000 in a YYYYMMDD date and in the year-months poVurdTann / poVurdLege', () => {
    const xml = fag(person({ fraDato: '00000101', before: personoppl('<poVurdTann>000006</poVurdTann><poVurdLege>202302</poVurdLege>') }));
    const f = expectFindings(xml, CODE, ['00000101', '000006']);
    assert.equal(f[1].message, 'poVurdTann 000006 is not a real date: there is no year 0000 in the calendar.');
    assert.equal(findings(xml, CODE, { language: 'nb' })[1].message, 'poVurdTann 000006 er ikke en dato som finnes: år 0000 finnes ikke i kalenderen.');
  });

  it('checks the identmelding’s xs:date attributes and points at the attribute value', () => {
    const xml = ide(ident())
      .replace('fraDatoPeriode="2023-01-01"', 'fraDatoPeriode="2023-02-29"')
      .replace('uttakDato="2024-01-05"', 'uttakDato="2024-06-31"');
    const f = expectFindings(xml, CODE, ['2023-02-29', '2024-06-31']);
    assert.equal(f[0].message, 'fraDatoPeriode 2023-02-29 is not a real date: 2023 is not a leap year, so there is no February 29.');
    assert.equal(f[1].message, 'uttakDato 2024-06-31 is not a real date: there is no June 31.');
  });

  it('accepts an xs:date with a time zone and leaves a malformed one to the schema', () => {
    expectNone(ide(ident()).replace('tilDatoPeriode="2023-12-31"', 'tilDatoPeriode="2023-12-31+01:00"'), CODE);
    expectFindings(ide(ident()).replace('tilDatoPeriode="2023-12-31"', 'tilDatoPeriode="2023-11-31Z"'), CODE, ['2023-11-31Z']);
    expectNone(ide(ident()).replace('tilDatoPeriode="2023-12-31"', 'tilDatoPeriode="20231231"'), CODE);
    expectNone(ide(ident()).replace('tilDatoPeriode="2023-12-31"', 'tilDatoPeriode="2023-13-01"'), CODE);
  });

  it('follows the severity setting', () => {
    const xml = fag(person({ services: [service({ to: '20230231' })] }));
    assert.equal(findings(xml, CODE)[0].severity, 1);
    assert.equal(findings(xml, CODE, { severity: { [CODE]: 'warning' } })[0].severity, 2);
    expectNone(xml, CODE, { severity: { [CODE]: 'off' } });
  });
});

describe('date helpers (server/src/domain/dates.ts)', () => {
  it('validates YYYYMMDD, YYYYMM and xs:date by calendar, not by pattern only', () => {
    assert.equal(isValidYyyymmdd('20240229'), true);
    assert.equal(yyyymmddProblem('20230229'), 'not-leap-year');
    assert.equal(yyyymmddProblem('21000229'), 'not-leap-year');
    assert.equal(yyyymmddProblem('20230931'), 'day-not-in-month');
    assert.equal(yyyymmddProblem('00000101'), 'year-zero');
    assert.equal(yyyymmddProblem('20231301'), 'form');
    assert.equal(yyyymmddProblem(' 20230101'), 'form');
    assert.equal(yyyymmddProblem('2023-101'), 'form');
    assert.equal(yyyymmProblem('202312'), undefined);
    assert.equal(yyyymmProblem('202313'), 'form');
    assert.equal(xsDateProblem('2023-02-29'), 'not-leap-year');
    assert.equal(xsDateToYyyymmdd('2023-12-31Z'), '20231231');
    assert.equal(xsDateToYyyymmdd('2023-02-30'), undefined);
  });

  it('parses, compares and shifts valid dates', () => {
    assert.deepEqual(parseYyyymmdd('20230315'), { year: 2023, month: 3, day: 15 });
    assert.equal(parseYyyymmdd('20230230'), undefined);
    assert.ok(compareYyyymmdd('20221231', '20230101') < 0);
    assert.equal(compareYyyymmdd('20230101', '20230101'), 0);
    assert.equal(formatYyyymmdd(addYears({ year: 2024, month: 2, day: 29 }, -1)), '20230228');
    assert.equal(formatYyyymmdd(nextDay({ year: 2023, month: 12, day: 31 })), '20240101');
    assert.equal(formatYyyymmdd(nextDay({ year: 2024, month: 2, day: 28 })), '20240229');
    assert.equal(formatYyyymmdd({ year: 5, month: 1, day: 2 }), '00050102');
  });
});
