import assert from 'node:assert/strict';
import { expectMapping, generated, mapping, rowWith } from './helpers';

describe('mapping: org-number-invalid', () => {
  it('flags a wrong check digit on a generated mapping, naming the column as the header writes it', () => {
    const text = generated('orginvalid', (rows) => {
      const r = rows[rowWith(rows, '15')];
      r.orgnr = r.orgnr.slice(0, 8) + String((Number(r.orgnr[8]) + 1) % 10);
    });
    const [seen] = expectMapping(text, 'org-number-invalid', [/\d{9}/.exec(text.split('\r\n').find((l) => /;15;/.test(l))!)![0]]);
    assert.equal(seen.severity, 1);
    assert.match(seen.message, /^orgnr \d{9} has a wrong check digit \(modulus 11\) and is not an organisation number\. Look the number up in Enhetsregisteret\.$/);
  });

  it('flags length and characters, as the extract rule does', () => {
    const text = 'Lokal kode;Tjenestetype;Organisasjonsnummer\nA;15;97458909\nB;15;974 589 095\nC;6;"97458909X"\n';
    const seen = expectMapping(text, 'org-number-invalid', ['97458909', '974 589 095', '97458909X'], { language: 'nb' });
    assert.equal(seen[0].message, 'Organisasjonsnummer «97458909» har 8 sifre; et organisasjonsnummer har 9.');
    assert.match(seen[1].message, /inneholder andre tegn enn sifre/);
  });

  it('leaves an org number on 26/29 to org-number-not-allowed', () => {
    expectMapping(mapping(['GPS01;GPS;26;123;;;']), 'org-number-invalid', []);
  });
});
