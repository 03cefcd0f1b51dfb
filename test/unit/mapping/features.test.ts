import assert from 'node:assert/strict';
import { mappingCompletionAt, mappingHoverAt, parseMapping } from '../../../server/src/mapping';
import { mapping } from './helpers';

const text = mapping(['HSP01;Hjemmesykepleie sone nord;15;974589095;;;', 'OBS01;"Omsorgsbolig Solbakken";"12";;;;', 'FRI01;Frisør;-;;;;', 'NEW01;Ny tjeneste;']);

function hoverOn(marker: string, at = 0, lang: 'nb' | 'en' = 'nb') {
  const i = text.indexOf(marker);
  assert.ok(i >= 0, marker);
  const h = mappingHoverAt(text, i + at, { lang });
  return h && { ...h, target: text.slice(h.start, h.end) };
}

describe('mapping: hover and completion', () => {
  it('hover on a code in the KPR code column names it and its org-number rule, as in extracts', () => {
    const h = hoverOn(';15;', 1);
    assert.ok(h);
    assert.equal(h.target, '15');
    assert.match(h.markdown, /\*\*15 – Helsetjenester i hjemmet\*\*/);
    assert.match(h.markdown, /Organisasjonsnummer \(tjInstOrgnr\): skal oppgis\./);
  });

  it('hover inside quotes, on an expired code, says what replaces it', () => {
    const h = hoverOn('"12"', 2, 'en');
    assert.ok(h);
    assert.equal(h.target, '12');
    assert.match(h.markdown, /Expired since 2019: report it as \*\*29/);
  });

  it('hover on "-" and on header names; nothing on other cells', () => {
    assert.match(hoverOn(';-;', 1, 'en')!.markdown, /not reported to KPR/);
    const col = hoverOn('tjenestetype', 3, 'en');
    assert.equal(col?.target, 'tjenestetype');
    assert.match(col!.markdown, /The KPR service type, code list 9151 \(required\)/);
    assert.equal(hoverOn('Hjemmesykepleie', 3), undefined);
    assert.equal(hoverOn('974589095', 3), undefined);
    const unknown = mappingHoverAt('lokal_kode;tjenestetype;Ansvarlig\n', 26, { lang: 'en' });
    assert.match(unknown!.markdown, /do not read this column/);
  });

  it('completion in the KPR code column offers the valid codes of list 9151 and "-", replacing the digits', () => {
    const at = text.indexOf(';15;') + 2; // between 1 and 5
    const c = mappingCompletionAt(text, at, { lang: 'nb', parsed: parseMapping(text) });
    assert.ok(c);
    assert.equal(text.slice(c.start, c.end), '15');
    const labels = c.items.map((i) => i.label);
    assert.ok(labels.includes('29') && labels.includes('26') && labels.includes('-'));
    assert.ok(!labels.includes('12') && !labels.includes('13') && !labels.includes('16'), 'expired codes are not offered');
    assert.equal(c.items.find((i) => i.label === '26')?.description, 'uten org.nr.');
  });

  it('completion on a row being typed, right after the delimiter', () => {
    const c = mappingCompletionAt(text, text.indexOf('Ny tjeneste;') + 'Ny tjeneste;'.length, { lang: 'en' });
    assert.ok(c);
    assert.equal(c.start, c.end);
    assert.equal(mappingCompletionAt(text, text.indexOf('Ny tjeneste') + 2, { lang: 'en' }), undefined, 'not in the name column');
  });
});
