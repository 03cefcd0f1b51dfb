import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultSettings, FindingInput, PayloadKind, Severity } from '../../server/src/analysis/types';
import { KprError } from '../../server/src/errors';
import { t } from '../../server/src/i18n';
import { createSchemaCheck, SchemaCheck } from '../../server/src/schema';
import { findSchemaDir, loadKprSchema, loadSchema, translateXsdRegex } from '../../server/src/schema/xsd';
import { parseXml } from '../../server/src/xml/parser';
import { generateExtract, serializeFagmelding, serializeIdentmelding, wrapInMsgHead } from '../fixtures/generator';
import { analyze, expectFindings, expectNone, fag, findings, ide, ident, IDE_NS, person, service } from '../support/kpr';

/** `xml` with `from` replaced once by `to`; fails loudly when `from` is not there (a stale test). */
function edit(xml: string, from: string, to: string): string {
  assert.ok(xml.includes(from), `test document lacks ${from}`);
  return xml.replace(from, to);
}

function messages(xml: string, lang: 'nb' | 'en' = 'nb'): string[] {
  return findings(xml, 'schema', { language: lang }).map((f) => f.message);
}

/**
 * Runs the schema check alone, the way the pipeline does, but giving it the source text: with it the check
 * sees white space around values that the XML reader trims.
 */
function withSource(xml: string, kind: PayloadKind): { at: string; key: string; severity?: Severity; message: string }[] {
  const found: FindingInput[] = [];
  let check: SchemaCheck | undefined;
  parseXml(xml, {
    onOpen: (el) => {
      if (!el.parent) check = createSchemaCheck(kind, el, (f) => found.push(f), defaultSettings(), xml);
      check!.open(el);
    },
    onClose: (el) => check!.close(el),
  });
  return found.map((f) => ({ at: xml.slice(f.start, f.end), key: f.key, severity: f.severity, message: t('en', f.key, f.args) }));
}

describe('schema: valid documents', () => {
  it('finds nothing in the builders’ documents', () => {
    expectNone(fag(person()), 'schema');
    expectNone(ide([ident(), ident({ pid: '2' })]), 'schema');
  });

  it('finds nothing in generated whole extracts, bare and in a Hodemelding', () => {
    const model = generateExtract({ seed: 7, persons: 150, year: 2023 });
    const fagXml = serializeFagmelding(model);
    const ideXml = serializeIdentmelding(model);
    expectNone(fagXml, 'schema');
    expectNone(ideXml, 'schema');
    expectNone(wrapInMsgHead(fagXml, { type: 'KPR_IPL' }), 'schema');
    expectNone(wrapInMsgHead(ideXml, { type: 'KPR_IDE' }), 'schema');
    expectNone(serializeFagmelding(model, { indent: false }), 'schema');
  });

  it('accepts every optional element in schema order', () => {
    const xml = fag(
      person({
        dodDato: '20231001',
        before: [
          '<PERSONOPPL poPeID="1" poPoID="1"><poHusstand>1</poHusstand><poVurdTann>202301</poVurdTann><poIndPlan>9</poIndPlan><poFraDato>20230101</poFraDato></PERSONOPPL>',
          '<FUNKSJON fnPeID="1" fnFnID="1"><fnFunkType>3</fnFunkType><fnFunkVerdi>9</fnFunkVerdi><fnFraDato>20230101</fnFraDato><fnTilDato>20231231</fnTilDato></FUNKSJON>',
        ].join('\n'),
        services: [service({ timerUke: '168.00', resTimerUke: '.5', to: '20231231' })],
        after: [
          '<DIAGNOSE diPeID="1" diDiID="1"><diKodeVersjon>ICD-10</diKodeVersjon><diDiagKode>F03</diDiagKode><diFraDato>20230101</diFraDato><diTilDato>20231231</diTilDato></DIAGNOSE>',
          '<DOGNTILBUD dgPeID="1" dgDgID="1"><dgInstOrgnr>974589095</dgInstOrgnr><dgFraDato>20230101</dgFraDato><dgTilDato>20231231</dgTilDato></DOGNTILBUD>',
        ].join('\n'),
      }),
    );
    expectNone(xml, 'schema');
  });

  it('accepts a prefixed payload, xsi:schemaLocation and an empty element taking its fixed value', () => {
    let xml = fag(person()).replace(/<(\/?)([A-Za-z]+)/g, '<$1ipl:$2').replace('xmlns=', 'xmlns:ipl=');
    xml = edit(xml, '<ipl:iiInnhType>P</ipl:iiInnhType>', '<ipl:iiInnhType/>');
    xml = edit(xml, 'versjon="3.5"', 'versjon="3.5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x y"');
    expectNone(xml, 'schema');
  });

  it('compares integer enumerations by value (016 is 16) and accepts signs and leading zeros in xs:short', () => {
    expectNone(edit(ide(ident()), 'typeKontaktperson="16"', 'typeKontaktperson="016"'), 'schema');
    expectNone(edit(fag(person()), '<peAlder>84</peAlder>', '<peAlder>+084</peAlder>'), 'schema');
  });

  it('checks other IPLOS namespaces by local name without complaint', () => {
    expectNone(fag(person(), { ns: 'http://www.npr.no/xmlstds/iplos/2023' }), 'schema');
  });
});

describe('schema: values (facets)', () => {
  it('enumeration', () => {
    const [f] = expectFindings(edit(fag(person()), '<peKjonn>K</peKjonn>', '<peKjonn>X</peKjonn>'), 'schema', ['X'], { language: 'nb' });
    assert.equal(f.message, '«X» er ikke en tillatt verdi for <peKjonn>. Tillatt: M, K.');
    assert.equal(f.severity, Severity.Error);
  });

  it('minLength and maxLength, counted in characters', () => {
    const xml = edit(edit(fag(person()), '<iiKomnr>5001</iiKomnr>', '<iiKomnr>501</iiKomnr>'), '<iiSysID>EPJ</iiSysID>', '<iiSysID>Østre EPJ-system 2</iiSysID>');
    const seen = expectFindings(xml, 'schema', ['501', 'Østre EPJ-system 2'], { language: 'en' });
    assert.equal(seen[0].message, '"501" has 3 characters, but <iiKomnr> must have at least 4.');
    assert.equal(seen[1].message, '"Østre EPJ-system 2" has 18 characters, but <iiSysID> may have at most 15.');
    expectNone(edit(fag(person()), '<iiSysID>EPJ</iiSysID>', '<iiSysID>ØØØØØØØØØØØØØØØ</iiSysID>'), 'schema');
  });

  it('pattern: dates YYYYMMDD and months YYYYMM, with the form in the message', () => {
    const xml = fag(
      person({
        fraDato: '2020-01-01',
        before: '<PERSONOPPL poPeID="1" poPoID="1"><poVurdTann>202313</poVurdTann></PERSONOPPL>',
      }),
    );
    const seen = expectFindings(xml, 'schema', ['2020-01-01', '202313'], { language: 'nb' });
    assert.equal(seen[0].message, '«2020-01-01» er ikke en dato på formen ÅÅÅÅMMDD, som <peFraDato> krever (f.eks. 20230105).');
    assert.equal(seen[1].message, '«202313» er ikke en måned på formen ÅÅÅÅMM, som <poVurdTann> krever (f.eks. 202301).');
    // A date that does not exist but has the right form is the date-invalid rule's business.
    expectNone(fag(person({ fraDato: '20230230' })), 'schema');
  });

  it('xs:short: not a number, and the range −32768..32767', () => {
    expectFindings(edit(fag(person()), '<peAlder>84</peAlder>', '<peAlder>åtti</peAlder>'), 'schema', ['åtti']);
    const [f] = expectFindings(edit(fag(person()), '<peAlder>84</peAlder>', '<peAlder>32768</peAlder>'), 'schema', ['32768'], { language: 'en' });
    assert.equal(f.message, '32768 is outside the range -32768 to 32767 of <peAlder>.');
    expectNone(edit(fag(person()), '<peAlder>84</peAlder>', '<peAlder>-32768</peAlder>'), 'schema');
  });

  it('xs:int in attributes, pointing at the value', () => {
    const xml = fag(person({ id: '2147483648' }));
    // person() gives its services the same id, so tjPeID is out of range too.
    const [f] = expectFindings(xml, 'schema', ['2147483648', '2147483648'], { language: 'nb' });
    assert.equal(f.message, '2147483648 er utenfor området -2147483648 til 2147483647 for attributtet pePeID i <PERSON>.');
    expectFindings(edit(fag(person()), 'tjTjID="1"', 'tjTjID="1a"'), 'schema', ['1a']);
  });

  it('xs:decimal with totalDigits 5 and fractionDigits 2', () => {
    const one = (v: string) => fag(person({ services: [service({ timerUke: v })] }));
    const [comma] = expectFindings(one('12,5'), 'schema', ['12,5'], { language: 'nb' });
    assert.equal(comma.message, '«12,5» er ikke et desimaltall, som <tjTimerUke> krever (bruk punktum som desimaltegn, f.eks. 7.5).');
    const [total] = expectFindings(one('123456'), 'schema', ['123456'], { language: 'en' });
    assert.equal(total.message, '"123456" has 6 digits, but <tjTimerUke> may have at most 5.');
    const [frac] = expectFindings(one('1.255'), 'schema', ['1.255'], { language: 'en' });
    assert.equal(frac.message, '"1.255" has 3 decimals, but <tjTimerUke> may have at most 2.');
    for (const ok of ['1234.5', '00123.450', '12345.00', '+7', '.5', '5.']) expectNone(one(ok), 'schema');
  });

  it('fixed values of elements', () => {
    const [f] = expectFindings(edit(fag(person()), '<iiInnhType>P</iiInnhType>', '<iiInnhType>X</iiInnhType>'), 'schema', ['X'], { language: 'en' });
    assert.equal(f.message, '"X" is not allowed for <iiInnhType>: the value must be "P".');
  });

  it('xs:date in the identmelding: only the lexical form YYYY-MM-DD', () => {
    const [f] = expectFindings(edit(ide(ident()), 'fraDatoPeriode="2023-01-01"', 'fraDatoPeriode="20230101"'), 'schema', ['20230101'], {
      language: 'nb',
    });
    assert.equal(f.message, '«20230101» er ikke en dato på formen ÅÅÅÅ-MM-DD, som attributtet fraDatoPeriode i <Melding> krever (f.eks. 2023-01-05).');
    expectNone(edit(ide(ident()), 'fraDatoPeriode="2023-01-01"', 'fraDatoPeriode="2023-02-30"'), 'schema');
    expectNone(edit(ide(ident()), 'fraDatoPeriode="2023-01-01"', 'fraDatoPeriode="2023-01-01+01:00"'), 'schema');
  });

  it('enumerations on nonNegativeInteger and string attributes, and the GUID pattern', () => {
    expectFindings(ide(ident({ typeID: '13' })), 'schema', ['13']);
    expectFindings(edit(ide(ident()), 'meldingstype="B"', 'meldingstype="b"'), 'schema', ['b']);
    const guid = (g: string) => ide(ident().replace('/>', ` pasientGUID="${g}"/>`));
    expectNone(guid('{0F8FAD5B-D9CB-469F-A165-70867728950E}'), 'schema');
    const [f] = expectFindings(guid('0F8FAD5B-D9CB-469F-A165'), 'schema', ['0F8FAD5B-D9CB-469F-A165'], { language: 'en' });
    assert.match(f.message, /is not a GUID, which the attribute pasientGUID of <PasientIdent> requires/);
  });

  it('masks a fødselsnummer shown in a message', () => {
    const [f] = expectFindings(fag(person({ id: '12017012345' })), 'schema', ['12017012345', '12017012345'], { language: 'en' });
    assert.ok(!f.message.includes('12017012345'), f.message);
    assert.ok(f.message.includes('*********45'), f.message);
  });

  it('sees white space around string values when given the source (KPR counts it)', () => {
    const xml = edit(fag(person()), '<peKjonn>K</peKjonn>', '<peKjonn> K</peKjonn>');
    const seen = withSource(xml, 'fagmelding');
    assert.deepEqual(seen.map((s) => [s.at, s.key]), [['K', 'schema.value.enum']]);
    assert.match(seen[0].message, /^" K" is not an allowed value for <peKjonn>/);
    assert.deepEqual(withSource(fag(person()), 'fagmelding'), []);
  });

  it('the analysis gives the check the text: " K" in <peKjonn> is an error, as xmllint says', () => {
    const xml = edit(fag(person()), '<peKjonn>K</peKjonn>', '<peKjonn> K</peKjonn>');
    const [f] = expectFindings(xml, 'schema', ['K'], { language: 'en' });
    assert.match(f.message, /^" K" is not an allowed value for <peKjonn>/);
    assert.equal(f.severity, Severity.Error);
    expectNone(fag(person()), 'schema');
    // Collapsed types (xs:short) still accept the spaces, with libxml2's warning only.
    const padded = findings(edit(fag(person()), '<peAlder>84</peAlder>', '<peAlder> 84 </peAlder>'), 'schema');
    assert.deepEqual(padded.map((s) => [s.at, s.severity]), [['84', Severity.Warning]]);
  });

  it('warns about spaces around xs:int/xs:short/xs:date values, which libxml2 rejects', () => {
    const seen = withSource(edit(fag(person()), '<peAlder>84</peAlder>', '<peAlder> 84 </peAlder>'), 'fagmelding');
    assert.deepEqual(seen.map((s) => [s.at, s.key, s.severity]), [['84', 'schema.value.padded', Severity.Warning]]);
    const attrs = findings(edit(fag(person()), 'pePeID="1"', 'pePeID=" 1"'), 'schema');
    assert.deepEqual(attrs.map((s) => [s.at, s.severity]), [[' 1', Severity.Warning]]);
  });
});

describe('schema: structure', () => {
  it('a missing required element, at the parent, saying where it was expected', () => {
    const xml = edit(fag(person()), '      <tjVedtDato>20230105</tjVedtDato>\n', '');
    const [nb] = expectFindings(xml, 'schema', ['TJENESTE'], { language: 'nb' });
    assert.equal(nb.message, 'Elementet <tjVedtDato> mangler i <TJENESTE> (forventet etter <tjSoknadDato>, <tjTjenUnderType> eller <tjTjenType>).');
    assert.deepEqual(messages(xml, 'en'), [
      'The element <tjVedtDato> is missing in <TJENESTE> (expected after <tjSoknadDato>, <tjTjenUnderType> or <tjTjenType>).',
    ]);
  });

  it('a missing first element and a missing last element', () => {
    const first = edit(fag(person()), '      <tjTjenType>15</tjTjenType>\n', '');
    assert.deepEqual(messages(first, 'en'), ['The element <tjTjenType> is missing in <TJENESTE> (expected first).']);
    const last = edit(fag(person()), '    <iiLopenr>1</iiLopenr>\n', '');
    expectFindings(last, 'schema', ['INNHINFO']);
    assert.deepEqual(messages(last, 'nb'), ['Elementet <iiLopenr> mangler i <INNHINFO> (forventet etter <iiSysVersjon>).']);
  });

  it('names missing elements with the prefix the file uses', () => {
    let xml = fag(person()).replace(/<(\/?)([A-Za-z]+)/g, '<$1ipl:$2').replace('xmlns=', 'xmlns:ipl=');
    xml = edit(xml, '<ipl:peKjonn>K</ipl:peKjonn>', '');
    assert.deepEqual(messages(xml, 'en'), ['The element <ipl:peKjonn> is missing in <ipl:PERSON> (expected after <ipl:peAlder>).']);
  });

  it('two siblings swapped: one finding, at the one out of order, saying what was expected', () => {
    const xml = edit(fag(person()), '<tjVedtDato>20230105</tjVedtDato>\n      <tjVedtak>1</tjVedtak>', '<tjVedtak>1</tjVedtak>\n      <tjVedtDato>20230105</tjVedtDato>');
    const [f] = expectFindings(xml, 'schema', ['tjVedtDato'], { language: 'en' });
    assert.equal(
      f.message,
      'The element <tjVedtDato> is out of order in <TJENESTE>: it belongs before <tjVedtak>. Expected here: <tjTimerUke>, <tjResTimerUke>, <tjRullerende>, <tjInstOrgnr>, <tjFraDato>, <tjTilDato>, <tjKlageMottatt>, <tjKlageBesvart> or the end of <TJENESTE>.',
    );
  });

  it('cuts long lists of expected elements', () => {
    const xml = fag(person({ before: '<PERSONOPPL poPeID="1" poPoID="1"><poUkjent>1</poUkjent></PERSONOPPL>' }));
    assert.deepEqual(messages(xml, 'en'), [
      'The element <poUkjent> is not allowed in <PERSONOPPL>. Expected here: <poHusstand>, <poOmsorgBarn>, <poPrivHjelp>, <poBoligTilr>, <poVurdTann>, <poVurdLege>, <poIndPlan>, … or the end of <PERSONOPPL>.',
    ]);
  });

  it('an unknown element, once, with what was expected instead', () => {
    const xml = edit(fag(person()), '<peAlder>84</peAlder>', '<peAlder>84</peAlder>\n    <peFnr><x>1</x></peFnr>');
    const [f] = expectFindings(xml, 'schema', ['peFnr'], { language: 'nb' });
    assert.equal(f.message, 'Elementet <peFnr> er ikke tillatt i <PERSON>. Forventet her: <peKjonn>.');
  });

  it('too many and too few occurrences', () => {
    const kontakt = '<iiKontakt><Type>3</Type><Navn>N</Navn><Telefon>1</Telefon><Epost>e</Epost></iiKontakt>';
    const four = edit(fag(person()), '    <iiFraDato>', `    ${kontakt}\n    ${kontakt}\n    <iiFraDato>`);
    const seen = expectFindings(four, 'schema', ['iiKontakt'], { language: 'en' });
    assert.equal(seen[0].message, 'Too many <iiKontakt> in <INNHINFO>: at most 3 are allowed.');
    assert.ok(four.indexOf('iiKontakt', four.indexOf(kontakt) + 1) > 0);
    const one = fag(person()).replace(/ {4}<iiKontakt><Type>2<\/Type>.*\n/, '');
    const [few] = expectFindings(one, 'schema', ['INNHINFO'], { language: 'nb' });
    assert.equal(few.message, '<INNHINFO> har 1 <iiKontakt>, men skal ha minst 2.');
  });

  it('PERSON is required in IPLOS', () => {
    assert.deepEqual(messages(fag([]), 'en'), ['The element <PERSON> is missing in <IPLOS> (expected after <INNHINFO>).']);
  });

  it('an element in another namespace or in none, once for its whole subtree', () => {
    const other = edit(fag(person()), '<peKjonn>K</peKjonn>', '<peKjonn xmlns="urn:other">K<b/></peKjonn>');
    const [f] = expectFindings(other, 'schema', ['peKjonn'], { language: 'en' });
    assert.equal(f.message, 'The element <peKjonn> is in the namespace "urn:other", but must be in "http://www.npr.no/xmlstds/iplos/2018" like the rest of the message.');
    const none = edit(fag(person()), '<TJENESTE ', '<TJENESTE xmlns="" ');
    const [g] = expectFindings(none, 'schema', ['TJENESTE'], { language: 'nb' });
    assert.equal(g.message, 'Elementet <TJENESTE> har ikke noe navnerom, men skal være i «http://www.npr.no/xmlstds/iplos/2018» som resten av meldingen.');
  });

  it('text in element-only content, and an element inside a value', () => {
    const text = edit(fag(person()), '    <peAlder>', '    hei\n    <peAlder>');
    const [f] = expectFindings(text, 'schema', ['hei'], { language: 'en' });
    assert.equal(f.message, 'Text is not allowed directly in <PERSON>; it must contain only elements.');
    const inside = edit(fag(person()), '<peAlder>84</peAlder>', '<peAlder>84<i>!</i></peAlder>');
    assert.deepEqual(messages(inside, 'en'), ['The element <i> is not allowed: <peAlder> must contain only a value.']);
    expectFindings(inside, 'schema', ['i']);
  });

  it('attributes: required, unknown, not allowed on a value, empty-content elements', () => {
    const missing = edit(fag(person()), '<PERSON pePeID="1">', '<PERSON>');
    assert.deepEqual(messages(missing, 'en'), ['The attribute pePeID is missing in <PERSON>.']);
    expectFindings(missing, 'schema', ['PERSON']);
    const unknown = edit(fag(person()), 'tjVeNrID="1"', 'tjVeNrID="1" tjVeNr="1"');
    const [u] = expectFindings(unknown, 'schema', ['tjVeNr'], { language: 'en' });
    assert.equal(u.message, 'The attribute tjVeNr is not allowed in <TJENESTE>. Allowed: tjPeID, tjTjID, tjVeID, tjVeNrID.');
    const onValue = edit(fag(person()), '<peAlder>', '<peAlder enhet="år">');
    assert.deepEqual(messages(onValue, 'en'), ['The attribute enhet is not allowed in <peAlder>, which must have no attributes.']);
    const lang = edit(fag(person()), '<peAlder>', '<peAlder xml:lang="no">');
    expectFindings(lang, 'schema', ['xml:lang']);
    const kids = edit(ide(ident()), '<PasientIdent pid="1" fid="" typeID="1"/>', '<PasientIdent pid="1" fid="" typeID="1">x<y/></PasientIdent>');
    assert.deepEqual(messages(kids, 'en'), [
      'The element <y> is not allowed: <PasientIdent> must not contain elements.',
      'Text is not allowed in <PasientIdent>; it must have only attributes.',
    ]);
  });

  it('xs:unique: pid within Institusjon, institusjonID within Melding', () => {
    const dup = ide([ident({ pid: '7' }), ident({ pid: '8' }), ident({ pid: '7' })]);
    const res = analyze(dup).findings.filter((f) => f.code === 'schema');
    assert.equal(res.length, 1);
    assert.equal(dup.slice(res[0].start, res[0].end), '7');
    assert.ok(res[0].start > dup.indexOf('pid="8"'), 'reported at the second pid');
    assert.equal(res[0].related?.[0].start, dup.indexOf('pid="7"') + 5, 'the first occurrence is related');
    assert.equal(t('nb', res[0].key, res[0].args), 'pid «7» forekommer mer enn én gang i <Institusjon>; verdien skal være unik.');
    // The same pid under two institutions is allowed by the schema.
    const two = edit(ide(ident({ pid: '7' })), '  </Institusjon>', `  </Institusjon>\n  <Institusjon institusjonID="5002">\n${ident({ pid: '7' })}\n  </Institusjon>`);
    expectNone(two, 'schema');
    const sameInst = edit(two, 'institusjonID="5002"', 'institusjonID="5001"');
    expectFindings(sameInst, 'schema', ['5001']);
  });

  it('takes the user’s severity for the rule', () => {
    const xml = edit(fag(person()), '<peKjonn>K</peKjonn>', '<peKjonn>X</peKjonn>');
    assert.equal(findings(xml, 'schema', { severity: { schema: 'warning' } })[0].severity, Severity.Warning);
    assert.deepEqual(findings(xml, 'schema', { severity: { schema: 'off' } }), []);
  });
});

describe('schema: versions and namespaces', () => {
  const poHab = (v: string) => `<PERSONOPPL poPeID="1" poPoID="1"><poHusstand>1</poHusstand><poHab>${v}</poHab><poFraDato>20230101</poFraDato></PERSONOPPL>`;

  it('IPLOS 3.5 is silent; 3.6 and 3.7 give one information finding', () => {
    expectNone(fag(person(), { versjon: '3.5' }), 'schema');
    const [f36] = expectFindings(fag(person(), { versjon: '3.6' }), 'schema', ['3.6'], { language: 'en' });
    assert.equal(f36.severity, Severity.Information);
    assert.equal(f36.message, 'IPLOS version 3.6: the public schema is version 3.5, and no additions in 3.6 are known. The file is checked against 3.5.');
    const [f37] = expectFindings(fag(person({ before: poHab('1') }), { versjon: '3.7' }), 'schema', ['3.7'], { language: 'nb' });
    assert.equal(f37.severity, Severity.Information);
    assert.equal(f37.message, 'IPLOS versjon 3.7: det offentlige skjemaet er versjon 3.5. Filen kontrolleres mot 3.5 og de kjente tilleggene (<poHab>).');
  });

  it('poHab: accepted anywhere in PERSONOPPL from 3.7, with its value domain; not in 3.5', () => {
    const first = '<PERSONOPPL poPeID="1" poPoID="1"><poHab>9</poHab><poHusstand>1</poHusstand></PERSONOPPL>';
    const last = '<PERSONOPPL poPeID="1" poPoID="1"><poHusstand>1</poHusstand><poHab>2</poHab></PERSONOPPL>';
    for (const p of [poHab('1'), first, last]) expectFindings(fag(person({ before: p }), { versjon: '3.7' }), 'schema', ['3.7']);
    expectFindings(fag(person({ before: poHab('3') }), { versjon: '3.7' }), 'schema', ['3.7', '3']);
    const twice = '<PERSONOPPL poPeID="1" poPoID="1"><poHab>1</poHab><poHab>1</poHab></PERSONOPPL>';
    expectFindings(fag(person({ before: twice }), { versjon: '3.7' }), 'schema', ['3.7', 'poHab']);
    expectFindings(fag(person({ before: poHab('1') })), 'schema', ['poHab']);
    expectFindings(fag(person({ before: poHab('1') }), { versjon: '3.6' }), 'schema', ['3.6', 'poHab']);
  });

  it('an unknown version: exactly one warning, then 3.5 with the known additions', () => {
    const persons = Array.from({ length: 40 }, (_, i) => person({ id: i + 1, before: poHab('1') }));
    const xml = fag(persons, { versjon: '4.0' });
    const seen = expectFindings(xml, 'schema', ['4.0'], { language: 'en' });
    assert.equal(seen[0].severity, Severity.Warning);
    assert.equal(
      seen[0].message,
      'Unknown IPLOS version "4.0" (known: 3.5, 3.6, 3.7). The file is checked against the public schema 3.5 and all known additions (<poHab>).',
    );
    expectFindings(edit(xml, '<peKjonn>K</peKjonn>', '<peKjonn>Q</peKjonn>'), 'schema', ['4.0', 'Q']);
  });

  it('identmelding: versjon must follow the namespace number, else one warning', () => {
    const ns57 = 'http://www.npr.no/xmlstds/57_0_1_ide';
    expectNone(edit(ide(ident(), { ns: ns57 }), 'versjon="53.1.2"', 'versjon="57.0.1"'), 'schema');
    const [w] = expectFindings(ide(ident(), { ns: ns57 }), 'schema', ['53.1.2'], { language: 'en' });
    assert.equal(w.severity, Severity.Warning);
    assert.equal(w.message, `versjon "53.1.2" does not match the namespace ${ns57}; expected "57.0.1". The file is checked against the public schema.`);
    expectNone(ide(ident(), { ns: IDE_NS }), 'schema');
    expectFindings(edit(ide(ident()), 'versjon="53.1.2"', 'versjon="1.0"'), 'schema', ['1.0']);
  });

  it('every element must be in the payload’s namespace, whatever that namespace is', () => {
    const ns = 'http://www.npr.no/xmlstds/iplos/2023';
    const xml = edit(fag(person(), { ns }), '<TJENESTE ', '<TJENESTE xmlns="http://www.npr.no/xmlstds/iplos/2018" ');
    expectFindings(xml, 'schema', ['TJENESTE']);
  });
});

describe('schema: the XSD compiler', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kpr-xsd-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const xsd = (name: string, body: string, encoding = 'UTF-8') => {
    const file = path.join(dir, name);
    const text = `<?xml version="1.0" encoding="${encoding}"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" elementFormDefault="qualified">${body}</xs:schema>`;
    writeFileSync(file, Buffer.from(text, encoding === 'UTF-8' ? 'utf8' : 'latin1'));
    return file;
  };

  it('finds the schema folder upward from the code and compiles each schema once', () => {
    assert.equal(path.basename(findSchemaDir()), 'kpr');
    assert.throws(() => findSchemaDir(tmpdir()), (e: unknown) => e instanceof KprError && e.key === 'schema.load.notFound');
    const a = loadKprSchema('fagmelding');
    assert.equal(a, loadKprSchema('fagmelding'));
    assert.equal(a.version, '3.5');
    const ide = loadKprSchema('identmelding');
    assert.deepEqual(ide.files.map((f) => path.basename(f)).sort(), ['NPR.xsd', 'XPR(ide).xsd', 'XPR(ide)_CodingSchemes.xsd']);
    const pi = ide.roots.get('Melding')!;
    assert.equal(pi.uniques[0].selector, 'Institusjon');
  });

  it('reads ISO-8859-1 schemas and the length facet', () => {
    const file = xsd('latin.xsd', '<xs:annotation><xs:documentation>Æøå</xs:documentation></xs:annotation><xs:element name="r"><xs:simpleType><xs:restriction base="xs:string"><xs:length value="3"/><xs:enumeration value="æøå"/><xs:enumeration value="abcd"/></xs:restriction></xs:simpleType></xs:element>', 'ISO-8859-1');
    const r = loadSchema(file).roots.get('r')!;
    const st = r.type!;
    assert.equal(st.kind, 'simple');
    if (st.kind !== 'simple') return;
    assert.equal(st.check('æøå'), undefined);
    assert.deepEqual(st.check('abcd'), { kind: 'length', args: { actual: 4, expected: 3 } });
  });

  it('fails loudly on constructs it does not support', () => {
    const file = xsd('choice.xsd', '<xs:element name="r"><xs:complexType><xs:choice><xs:element name="a"/></xs:choice></xs:complexType></xs:element>');
    assert.throws(() => loadSchema(file), (e: unknown) => e instanceof KprError && e.key === 'schema.load.unsupported' && /choice/.test(e.message));
  });

  it('translates XSD regular expressions', () => {
    const cases: [string, string[], string[]][] = [
      ['[0-9]{4}([0][1-9]|[1][0-2])', ['202301', '199912'], ['202313', '2023011', '20230']],
      ['(\\d+\\.?)*\\d+', ['2.16.578', '1', '١٢'], ['2.', '.1', '']],
      ['^a$', ['^a$'], ['a']],
      ['a.c', ['abc', 'a c'], ['a\nc']],
      ['[a-z-[aeiou]]+', ['bcd'], ['bad']],
      ['\\p{Lu}\\s\\S', ['Ø x'], ['ø x', 'Ø\u00a0x']],
      ['[^\\d]x', ['ax'], ['1x']],
      ['\\{[0-9a-f-]{3}\\}', ['{a-1}'], ['a-1']],
    ];
    for (const [src, yes, no] of cases) {
      const re = translateXsdRegex(src);
      for (const y of yes) assert.ok(re.test(y), `${src} should match ${JSON.stringify(y)}`);
      for (const n of no) assert.ok(!re.test(n), `${src} should not match ${JSON.stringify(n)}`);
    }
    assert.throws(() => translateXsdRegex('\\p{IsBasicLatin}'));
  });
});
