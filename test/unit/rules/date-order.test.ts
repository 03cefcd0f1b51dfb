import assert from 'node:assert/strict';
import { analyze, expectFindings, expectNone, fag, findings, ide, ident, person, service } from '../../support/kpr';

const CODE = 'date-order';

describe('date-order', () => {
  it('finds nothing in a valid fagmelding or identmelding from the builders', () => {
    expectNone(fag(person()), CODE);
    expectNone(ide(ident()), CODE);
  });

  it('reports a service that ends before it starts, at the end date, with the start as related location', () => {
    const xml = fag(person({ services: [service({ from: '20230301', to: '20230201' })] }));
    const [f] = expectFindings(xml, CODE, ['20230201']);
    assert.equal(f.message, 'tjTilDato 20230201 is before tjFraDato 20230301: the end date cannot be earlier than the start date.');
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[0].message,
      'tjTilDato 20230201 er før tjFraDato 20230301: sluttdatoen kan ikke være før startdatoen.',
    );
    const raw = analyze(xml).findings.find((x) => x.code === CODE)!;
    assert.equal(xml.slice(raw.related![0].start, raw.related![0].end), '20230301');
    assert.equal(raw.related![0].start, xml.indexOf('<tjFraDato>') + '<tjFraDato>'.length);
  });

  it('accepts equal dates and a decision made after the service ended', () => {
    expectNone(fag(person({ services: [service({ from: '20230301', to: '20230301' })] })), CODE);
    expectNone(fag(person({ services: [service({ vedtDato: '20231201', from: '20230101', to: '20230601' })] })), CODE);
  });

  it('checks the other pairs: person (death), PERSONOPPL, FUNKSJON, complaint, DIAGNOSE, DOGNTILBUD', () => {
    const xml = fag(
      person({
        fraDato: '20220101',
        dodDato: '20211231',
        before: [
          `    <PERSONOPPL poPeID="1" poPoID="1"><poFraDato>20230501</poFraDato><poTilDato>20230401</poTilDato></PERSONOPPL>`,
          `    <FUNKSJON fnPeID="1" fnFnID="1"><fnFunkType>1</fnFunkType><fnFunkVerdi>2</fnFunkVerdi><fnFraDato>20230601</fnFraDato><fnTilDato>20230531</fnTilDato></FUNKSJON>`,
        ].join('\n'),
        services: [service({ extra: '      <tjKlageMottatt>20230310</tjKlageMottatt>\n      <tjKlageBesvart>20230309</tjKlageBesvart>' })],
        after: [
          `    <DIAGNOSE diPeID="1" diDiID="1"><diKodeVersjon>ICPC-2</diKodeVersjon><diDiagKode>P70</diDiagKode><diFraDato>20230102</diFraDato><diTilDato>20230101</diTilDato></DIAGNOSE>`,
          `    <DOGNTILBUD dgPeID="1" dgDgID="1"><dgInstOrgnr>974589095</dgInstOrgnr><dgFraDato>20230801</dgFraDato><dgTilDato>20230701</dgTilDato></DOGNTILBUD>`,
        ].join('\n'),
      }),
    );
    const f = expectFindings(xml, CODE, ['20211231', '20230401', '20230531', '20230309', '20230101', '20230701']);
    assert.equal(f[0].message, 'peDodDato 20211231 is before peFraDato 20220101: the person is recorded as dead before the person was registered in IPLOS.');
    assert.equal(f[3].message, 'tjKlageBesvart 20230309 is before tjKlageMottatt 20230310: the complaint was answered before it was received.');
    assert.equal(findings(xml, CODE, { language: 'nb' })[3].message, 'tjKlageBesvart 20230309 er før tjKlageMottatt 20230310: klagen er besvart før den ble mottatt.');
  });

  it('checks the period in INNHINFO and in the identmelding', () => {
    const fagXml = fag(person(), { from: '20231231', to: '20230101' });
    const [f] = expectFindings(fagXml, CODE, ['20230101']);
    assert.equal(f.message, 'iiTilDato 20230101 is before iiFraDato 20231231: the period ends before it begins.');
    const ideXml = ide(ident()).replace('tilDatoPeriode="2023-12-31"', 'tilDatoPeriode="2022-12-31"');
    const [g] = expectFindings(ideXml, CODE, ['2022-12-31']);
    assert.equal(g.message, 'tilDatoPeriode 2022-12-31 is before fraDatoPeriode 2023-01-01: the period ends before it begins.');
  });

  it('compares only dates that exist', () => {
    expectNone(fag(person({ services: [service({ from: '20230231', to: '20230201' })] })), CODE);
    expectNone(fag(person({ services: [service({ from: '20230301', to: '2023020' })] })), CODE);
    expectNone(ide(ident()).replace('fraDatoPeriode="2023-01-01"', 'fraDatoPeriode="2024-02-30"'), CODE);
  });
});
