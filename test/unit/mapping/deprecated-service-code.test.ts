import assert from 'node:assert/strict';
import { applyEdits, fixAll, fixFor } from '../../../server/src/features/fixes';
import { checkMapping } from '../../../server/src/mapping';
import { expectClean, expectMapping, generated, mapping, rowWith } from './helpers';

describe('mapping: deprecated-service-code', () => {
  it('flags 12/13 on a generated mapping, with the 12 → 29 fix that also empties the org number cell', () => {
    const text = generated('dep', (rows) => {
      rows[rowWith(rows, '15')].kprCode = '12';
    });
    const [seen] = expectMapping(text, 'deprecated-service-code', ['12']);
    assert.equal(seen.severity, 1);
    assert.equal(
      seen.message,
      'Service type 12 (Sheltered housing) has expired and KPR rejects or discards it. Map the local service to service type 29 (Housing the municipality provides for health and care purposes) and clear the organisation number (orgnr), which service type 29 must not have.',
    );
    const data = seen.finding.data;
    assert.ok(data && data.fix === 'replace-service-code' && data.removeOrg);
    assert.match(text.slice(data.removeOrg.start, data.removeOrg.end), /^\d{9}$/, 'removeOrg is the org number cell');
    const fix = fixFor(text, seen.finding, 'nb');
    assert.equal(fix?.title, 'Endre tjenestetype 12 til 29 og fjern organisasjonsnummeret');
    const fixed = applyEdits(text, fix!.edits);
    expectMapping(fixed, 'deprecated-service-code', []);
    expectMapping(fixed, 'org-number-not-allowed', []);
    assert.equal(fixed.split('\r\n').length, text.split('\r\n').length, 'no row or column lost');
  });

  it('says it in Norwegian, and without the org-number part when the row has none', () => {
    const text = mapping(['OB1;Omsorgsbolig;13;;;;']);
    const [seen] = expectMapping(text, 'deprecated-service-code', ['13'], { language: 'nb' });
    assert.equal(
      seen.message,
      'Tjenestetype 13 (Annen bolig) er utgått og avvises eller forkastes av KPR. Rapporter tjenesten som tjenestetype 29 (Bolig som kommunen disponerer for helse- og omsorgsformål).',
    );
    const fix = fixFor(text, seen.finding);
    assert.equal(applyEdits(text, fix!.edits), mapping(['OB1;Omsorgsbolig;29;;;;']));
  });

  it('points 16 to poHab and 10 to a new mapping, without a fix; reads 012 and "12" as 12', () => {
    const text = mapping(['R1;Rehabilitering;16;;;;', 'X1;Gammelt;10;;;;', 'O1;Omsorgsbolig;012;;;;', 'O2;Omsorgsbolig;"12";;;;']);
    const seen = expectMapping(text, 'deprecated-service-code', ['16', '10', '012', '12']);
    assert.match(seen[0].message, /poHab/);
    assert.match(seen[1].message, /no replacement/);
    assert.equal(seen[0].finding.data, undefined);
    assert.equal(seen[1].finding.data, undefined);
    const fixed = applyEdits(text, fixAll(text, checkMapping(text)).edits);
    assert.equal(fixed, mapping(['R1;Rehabilitering;16;;;;', 'X1;Gammelt;10;;;;', 'O1;Omsorgsbolig;29;;;;', 'O2;Omsorgsbolig;"29";;;;']));
  });

  it('leaves a row that ended before its code expired alone: that is the table’s history', () => {
    expectClean(mapping(['GML01;Omsorgsbolig (gammel kode);12;974589095;2010-01-01;2018-12-31;Erstattet av 29']));
    expectMapping(mapping(['GML01;Omsorgsbolig;12;;;2019-01-01;']), 'deprecated-service-code', ['12']);
    expectClean(generated('dep', undefined, { history: true }));
  });
});
