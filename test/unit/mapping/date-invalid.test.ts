import assert from 'node:assert/strict';
import { parseMappingDate } from '../../../server/src/mapping';
import { expectClean, expectMapping, generated, mapping } from './helpers';

describe('mapping: date-invalid', () => {
  it('reads YYYY-MM-DD, DD.MM.YYYY, D.M.YYYY and YYYYMMDD', () => {
    for (const [s, v] of [['2023-01-31', '20230131'], ['31.01.2023', '20230131'], ['1.2.2023', '20230201'], ['20230131', '20230131'], ['2024-02-29', '20240229']]) {
      assert.deepEqual(parseMappingDate(s), { ok: true, yyyymmdd: v }, s);
    }
    for (const format of ['iso', 'norwegian', 'compact'] as const) expectClean(generated('dates', (rows) => (rows[0].validFrom = ''), { dateFormat: format }));
  });

  it('flags a date that does not exist on a generated mapping, with the extract rule’s wording', () => {
    const text = generated('dates', (rows) => {
      rows[0].validFrom = '31.04.2023';
      rows[1].validTo = '2023-02-29';
    });
    const seen = expectMapping(text, 'date-invalid', ['31.04.2023', '2023-02-29']);
    assert.equal(seen[0].message, 'gyldig_fra 31.04.2023 is not a real date: there is no April 31.');
    assert.equal(seen[1].message, 'gyldig_til 2023-02-29 is not a real date: 2023 is not a leap year, so there is no February 29.');
  });

  it('flags what is not a date at all, and says which forms are read', () => {
    const text = mapping(['A;x;15;974589095;1/1/2023;;', 'B;x;15;974589095;;2023-13-01;', 'C;x;15;974589095;i fjor;;']);
    const seen = expectMapping(text, 'date-invalid', ['1/1/2023', '2023-13-01', 'i fjor'], { language: 'nb' });
    assert.equal(seen[0].message, 'gyldig_fra «1/1/2023» er ikke en dato. Skriv den som ÅÅÅÅ-MM-DD, DD.MM.ÅÅÅÅ eller ÅÅÅÅMMDD.');
  });
});
