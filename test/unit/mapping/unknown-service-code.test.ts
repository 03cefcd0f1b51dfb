import assert from 'node:assert/strict';
import { expectMapping, generated, mapping, rowWith } from './helpers';

describe('mapping: unknown-service-code', () => {
  it('flags a number outside code list 9151 on a generated mapping, with the extract rule’s message', () => {
    const text = generated('unknown', (rows) => {
      rows[rowWith(rows, '15')].kprCode = '30';
    });
    const [seen] = expectMapping(text, 'unknown-service-code', ['30']);
    assert.equal(seen.severity, 1);
    assert.equal(seen.message, 'Service type 30 is not in code list 9151 (tjenestetype). Check the mapping from the local service to the KPR service type.');
  });

  it('flags text that is not a service code, naming the column', () => {
    const text = mapping(['HSP01;Hjemmesykepleie;Hjemmesykepleie;974589095;;;', 'X;Y;15a;974589095;;;']);
    const seen = expectMapping(text, 'unknown-service-code', ['Hjemmesykepleie', '15a'], { language: 'nb' });
    assert.equal(
      seen[0].message,
      '«Hjemmesykepleie» er ikke en tjenestetype: tjenestetype skal ha et tall fra kodeverk 9151 (eller «-» for en lokal tjeneste som ikke rapporteres).',
    );
  });

  it('accepts "-" for a local service that is not reported, and every valid code', () => {
    const rows = ['FRI01;Frisør;-;;;;'];
    for (const c of [5, 6, 7, 9, 11, 14, 23, 24, 27, 28]) rows.push(`C${c};Tjeneste;${c};;;;`);
    expectMapping(mapping(rows), 'unknown-service-code', []);
  });
});
