import assert from 'node:assert/strict';
import { checkMapping } from '../../../server/src/mapping';
import { expectClean, expectMapping, generated, mapping, mappingFindings } from './helpers';

describe('mapping: mapping-format', () => {
  it('a generated mapping, as Excel saves it, is clean', () => {
    expectClean(generated('format', undefined, { history: true, notReported: 2 }));
    expectClean(generated('format', undefined, { delimiter: ',', eol: '\n', comments: ['Eksempel kommune'] }));
  });

  it('a missing required column is an error on the header; the other columns are still checked', () => {
    const text = generated('format', undefined, { columns: ['localName', 'kprCode', 'orgnr'] }).replace(';12;', ';12;');
    const seen = expectMapping(text, 'mapping-format', ['lokalt_navn;tjenestetype;orgnr']);
    assert.equal(seen[0].severity, 1);
    assert.match(seen[0].message, /^The header lacks the required column for the local code \(e\.g\. "lokal_kode"\)/);
    const broken = text.replace(/;15;/, ';13;');
    expectMapping(broken, 'deprecated-service-code', ['13']);
  });

  it('an unknown column is a note, a repeated column a warning', () => {
    const text = 'lokal_kode;tjenestetype;orgnr;Ansvarlig;Org.nr\nHSP01;15;974589095;Kari;974589095\n';
    const seen = mappingFindings(text, 'mapping-format');
    assert.deepEqual(seen.map((s) => [s.at, s.severity]), [['Ansvarlig', 3], ['Org.nr', 2]]);
    assert.match(seen[1].message, /The column "Org\.nr" is the same column as "orgnr" \(column 3\); only the first is read\./);
  });

  it('a row with too many cells is skipped (a ";" in a name), the rest is checked', () => {
    const text = generated('format', (rows) => {
      rows[0].localName = 'Praktisk bistand; sone nord';
      rows[1].kprCode = '12';
      rows[1].orgnr = '';
    }).replace('"Praktisk bistand; sone nord"', 'Praktisk bistand; sone nord');
    const seen = mappingFindings(text, 'mapping-format', { language: 'nb' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].severity, 1);
    assert.match(seen[0].message, /^Raden har 8 celler, men overskriften har 7 kolonner\. Står det et semikolon i et navn uten anførselstegn rundt\? Raden hoppes over\.$/);
    expectMapping(text, 'deprecated-service-code', ['12']);
  });

  it('a row with fewer cells than the known columns is a warning; trailing empty cells are fine', () => {
    const text = mapping(['HSP01;Hjemmesykepleie;15', 'BOL01;Omsorgsbolig;29;;;;;;;']);
    const seen = expectMapping(text, 'mapping-format', ['HSP01;Hjemmesykepleie;15']);
    assert.equal(seen[0].severity, 2);
    expectMapping(text, 'org-number-missing', ['15']);
  });

  it('a row without a local code is an error; one without a KPR code a warning that suggests "-"', () => {
    const text = mapping([';Hjemmesykepleie;15;974589095;;;', 'FRI01;Frisør;;;;;']);
    const seen = mappingFindings(text, 'mapping-format');
    assert.deepEqual(seen.map((s) => [s.severity, s.message]), [
      [1, 'The row has no local code (lokal_kode), so the EPJ cannot use it.'],
      [2, 'The row for "FRI01" has no service type (tjenestetype). Write a code from code list 9151, or "-" if the local service is not reported to KPR.'],
    ]);
  });

  it('the user’s severity setting and the findings cap apply, as for extracts', () => {
    const text = mapping(['HSP01;Hjemmesykepleie;15', 'HSP02;Hjemmesykepleie;15', 'HSP03;Hjemmesykepleie;15']);
    assert.equal(mappingFindings(text, 'mapping-format', { severity: { 'mapping-format': 'off' } }).length, 0);
    assert.ok(mappingFindings(text, 'mapping-format', { severity: { 'mapping-format': 'hint' } }).every((s) => s.severity === 4));
    const capped = checkMapping(text, { ...require('../../../server/src/analysis/types').defaultSettings(), maxFindings: 2 });
    assert.equal(capped.length, 3);
    assert.equal(capped[2].code, 'too-many-findings');
  });
});
