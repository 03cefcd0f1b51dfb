import assert from 'node:assert/strict';
import { hoverAt } from '../../server/src/features/hover';
import { fag, ide, ident, person, service } from '../support/kpr';

/** The hover where `marker` (the first occurrence of it, plus `at` characters) is in `xml`. */
function hoverOn(xml: string, marker: string, at = 0, lang: 'nb' | 'en' = 'nb') {
  const i = xml.indexOf(marker);
  assert.ok(i >= 0, `marker ${marker} not found`);
  const h = hoverAt(xml, i + at, { lang });
  return h && { ...h, target: xml.slice(h.start, h.end) };
}

describe('hover', () => {
  const xml = fag([person({ services: [service({ code: 15 }), service({ code: 12, tjTjID: 2 }), service({ code: 16, tjTjID: 3, orgnr: null })] })]);

  it('names a valid service code and its org-number rule', () => {
    const h = hoverOn(xml, '<tjTjenType>15', '<tjTjenType>'.length + 1);
    assert.ok(h);
    assert.equal(h.target, '15');
    assert.match(h.markdown, /\*\*15 – Helsetjenester i hjemmet\*\*/);
    assert.match(h.markdown, /Organisasjonsnummer \(tjInstOrgnr\): skal oppgis\./);
    assert.match(h.markdown, /kodeverk 9151/);
  });

  it('says what replaces an expired code, in English when asked', () => {
    const h = hoverOn(xml, '<tjTjenType>12', '<tjTjenType>'.length, 'en');
    assert.ok(h);
    assert.match(h.markdown, /\*\*12 – Sheltered housing\*\* \(expired\)/);
    assert.match(h.markdown, /Expired since 2019: report it as \*\*29 – Housing the municipality provides/);
    assert.match(h.markdown, /Service type 29 must not have an organisation number/);
  });

  it('points code 16 to the person flag poHab', () => {
    const h = hoverOn(xml, '<tjTjenType>16', '<tjTjenType>'.length);
    assert.ok(h);
    assert.match(h.markdown, /poHab/);
  });

  it('explains element and attribute names of a fagmelding', () => {
    const el = hoverOn(xml, '<iiLopenr>', 3);
    assert.ok(el);
    assert.equal(el.target, 'iiLopenr');
    assert.match(el.markdown, /identmeldingen/);
    const end = hoverOn(xml, '</tjInstOrgnr>', 4, 'en');
    assert.ok(end, 'end tags are explained too');
    assert.match(end.markdown, /Organisation number of the unit performing the service/);
    const a = hoverOn(xml, 'pePeID=', 2);
    assert.ok(a);
    assert.equal(a.target, 'pePeID');
    assert.match(a.markdown, /pid i identmeldingen/);
  });

  it('explains the identmelding, never showing a person number', () => {
    const x = ide([ident({ pid: '7', fid: '01010112345', typeID: '1' })]);
    const fid = hoverOn(x, 'fid=', 1, 'en');
    assert.ok(fid);
    assert.match(fid.markdown, /Fødselsnummer, D-nummer/);
    assert.doesNotMatch(fid.markdown, /01010112345/);
    const typeId = hoverOn(x, 'typeID=', 2);
    assert.ok(typeId);
    assert.match(typeId.markdown, /1 fødselsnummer, 2 D-nummer, 3 H-nummer, 12 felles hjelpenummer/);
  });

  it('stays quiet on values other than service codes, on markup, and in other XML', () => {
    assert.equal(hoverOn(xml, '<peKomnr>5001', '<peKomnr>'.length + 1), undefined);
    assert.equal(hoverOn(xml, '<?xml', 2), undefined);
    const other = '<?xml version="1.0"?>\n<r xmlns="urn:other"><tjTjenType>12</tjTjenType><iiLopenr>1</iiLopenr></r>';
    assert.equal(hoverOn(other, '>12<', 1), undefined);
    assert.equal(hoverOn(other, '<iiLopenr>', 2), undefined);
  });

  it('does not explain Hodemelding elements that sit before the payload', () => {
    const enveloped = '<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"><MsgInfo><Type V="KPR_IPL"/></MsgInfo>' +
      '<Document><RefDoc><Content>' + xml.replace(/^<\?xml[^>]*>\n/, '') + '</Content></RefDoc></Document></MsgHead>';
    const payloadStart = enveloped.indexOf('<IPLOS');
    const typeInHead = enveloped.indexOf('<Type') + 2;
    assert.ok(hoverAt(enveloped, typeInHead, { lang: 'nb' }), 'without the payload start the name alone matches');
    assert.equal(hoverAt(enveloped, typeInHead, { lang: 'nb', payloadStart }), undefined);
    const inPayload = enveloped.indexOf('<tjTjenType>12') + '<tjTjenType>'.length;
    assert.match(hoverAt(enveloped, inPayload, { lang: 'nb', payloadStart })!.markdown, /Omsorgsbolig/);
  });
});
