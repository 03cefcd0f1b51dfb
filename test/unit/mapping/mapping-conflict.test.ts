import assert from 'node:assert/strict';
import { expectMapping, generated, mapping, rowWith } from './helpers';

describe('mapping: mapping-conflict', () => {
  it('flags one local code mapped to two service types on a generated mapping', () => {
    let code = '';
    const text = generated('conflict', (rows) => {
      const r = rows[rowWith(rows, '15')];
      code = r.localCode;
      rows.push({ ...r, kprCode: '1', validFrom: '2023-06-01' });
    });
    const [seen] = expectMapping(text, 'mapping-conflict', [code]);
    assert.equal(seen.severity, 1);
    assert.match(seen.message, new RegExp(`^Local code "${code}" is mapped here to service type 1 with organisation number \\d{9}, but to service type 15 with organisation number \\d{9} on line \\d+, in overlapping periods\\. The EPJ can report only one of them\\.`));
    expectMapping(text, 'mapping-duplicate', []);
  });

  it('the same service type with another org number, or reported and not reported, is a conflict too', () => {
    const text = mapping(['HSP01;x;15;974589095;;;', 'HSP01;x;15;874589098;2023-01-01;;', 'FRI01;Frisør;-;;;;', 'FRI01;Frisør;9;;;;']);
    const seen = expectMapping(text, 'mapping-conflict', ['HSP01', 'FRI01'], { language: 'nb' });
    assert.match(seen[0].message, /mappes her til tjenestetype 15 med organisasjonsnummer 874589098, men til tjenestetype 15 med organisasjonsnummer 974589095 på linje 2/);
    assert.match(seen[1].message, /mappes her til tjenestetype 9 uten organisasjonsnummer, men til «-» \(rapporteres ikke\) på linje 4/);
  });

  it('a reorganisation with periods that follow each other is fine', () => {
    expectMapping(mapping(['HSP01;x;15;974589095;;31.12.2022;', 'HSP01;x;15;874589098;01.01.2023;;']), 'mapping-conflict', []);
  });

  it('a row in conflict with one row and a duplicate of another gets the conflict only', () => {
    const text = mapping(['HSP01;x;15;974589095;;;', 'HSP01;x;1;974589095;;;', 'HSP01;x;15;974589095;;;']);
    expectMapping(text, 'mapping-conflict', ['HSP01', 'HSP01']);
    expectMapping(text, 'mapping-duplicate', []);
  });
});
