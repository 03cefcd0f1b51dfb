import assert from 'node:assert/strict';
import { expectMapping, generated, mapping, rowWith } from './helpers';

describe('mapping: org-number-missing', () => {
  it('flags a required org number left empty on a generated mapping, at the service code', () => {
    const text = generated('orgmissing', (rows) => {
      rows[rowWith(rows, '21')].orgnr = '';
    });
    const [seen] = expectMapping(text, 'org-number-missing', ['21']);
    assert.equal(seen.severity, 1);
    assert.match(seen.message, /^Service type 21 \(Long-term stay in an institution\) must be reported with the organisation number of the unit providing it, but the row for "LTO\d\d" has none in orgnr\.$/);
  });

  it('does not ask for one where it is optional or forbidden', () => {
    expectMapping(mapping(['TA01;Trygghetsalarm;6;;;;', 'GPS01;GPS;26;;;;', 'BOL01;Bolig;29;;;;', 'FRI01;Frisør;-;;;;']), 'org-number-missing', []);
  });

  it('without an org number column: one finding on the header that counts the rows', () => {
    const text = 'lokal_kode;tjenestetype\nHSP01;15\nBOL01;29\nLTO01;21\n';
    const [seen] = expectMapping(text, 'org-number-missing', ['lokal_kode;tjenestetype'], { language: 'nb' });
    assert.equal(
      seen.message,
      'Filen har ingen kolonne for organisasjonsnummer, men 2 rader mapper til tjenestetyper som skal rapporteres med et (den første på linje 2). Legg til en kolonne «orgnr».',
    );
  });
});
