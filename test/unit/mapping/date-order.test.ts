import assert from 'node:assert/strict';
import { expectMapping, generated, mapping } from './helpers';

describe('mapping: date-order', () => {
  it('flags valid-to before valid-from on a generated mapping, pointing at the end date with the start as related', () => {
    const text = generated('order', (rows) => {
      rows[2].validFrom = '01.07.2023';
      rows[2].validTo = '30.06.2023';
    }, { dateFormat: 'norwegian' });
    const [seen] = expectMapping(text, 'date-order', ['30.06.2023']);
    assert.equal(seen.message, 'gyldig_til 30.06.2023 is before gyldig_fra 01.07.2023: the end date cannot be earlier than the start date.');
    const rel = seen.finding.related?.[0];
    assert.ok(rel);
    assert.equal(text.slice(rel.start, rel.end), '01.07.2023');
  });

  it('compares dates written in different forms, and accepts a one-day period', () => {
    expectMapping(mapping(['A;x;15;974589095;2023-07-01;20230630;']), 'date-order', ['20230630']);
    expectMapping(mapping(['A;x;15;974589095;2023-07-01;01.07.2023;']), 'date-order', []);
  });
});
