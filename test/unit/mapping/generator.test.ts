import assert from 'node:assert/strict';
import { generateMapping, serializeMapping } from '../../fixtures/mappingGenerator';
import { extractModel } from './helpers';

describe('mapping: the fixture generator', () => {
  it('is deterministic and names local services the way an EPJ does', () => {
    const model = extractModel('gen', 200);
    const a = serializeMapping(generateMapping(model, { history: true, notReported: 1 }));
    const b = serializeMapping(generateMapping(model, { history: true, notReported: 1 }));
    assert.equal(a, b);
    assert.match(a, /;Hjemmesykepleie sone [a-zæøå]+;15;\d{9};/);
    assert.match(a, /;Omsorgsbolig [A-ZÆØÅ][a-zæøå]+;29;;/);
    assert.match(a, /;Safemate trygghetsalarm sone [a-zæøå]+;6;\d{9};/);
    assert.match(a, /;-;;/);
  });

  it('covers every service type and org number pair of the extract', () => {
    const model = extractModel('gen', 200);
    const rows = generateMapping(model).rows;
    const have = new Set(rows.map((r) => `${r.kprCode}|${r.orgnr}`));
    const codesWithOrg = new Set(rows.filter((r) => r.orgnr).map((r) => r.kprCode));
    for (const p of model.persons) {
      for (const s of p.services) {
        const ok = have.has(`${s.code}|${s.orgNumber ?? ''}`) || (!s.orgNumber && codesWithOrg.has(String(s.code)));
        assert.ok(ok, `${s.code}|${s.orgNumber}`);
      }
    }
  });
});
