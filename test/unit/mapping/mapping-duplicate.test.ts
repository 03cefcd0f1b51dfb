import assert from 'node:assert/strict';
import { expectMapping, generated, mapping, rowWith } from './helpers';

describe('mapping: mapping-duplicate', () => {
  it('flags a repeated row on a generated mapping: the later row, with the first as related', () => {
    let code = '';
    const text = generated('dup', (rows) => {
      const r = rows[rowWith(rows, '15')];
      code = r.localCode;
      rows.push({ ...r, localName: r.localName + ' (kopi)', comment: 'lagt inn på nytt' });
    });
    const seen = expectMapping(text, 'mapping-duplicate', [code]);
    assert.equal(seen[0].severity, 2);
    const lines = text.split('\r\n');
    const firstLine = lines.findIndex((l) => l.startsWith(code + ';')) + 1;
    assert.equal(text.slice(0, seen[0].finding.start).split('\r\n').length, lines.length - 1, 'on the last row');
    assert.match(seen[0].message, new RegExp(`^Local code "${code}" is already mapped to service type 15 with organisation number \\d{9} on line ${firstLine}, in an overlapping period\\.`));
    const rel = seen[0].finding.related![0];
    assert.equal(text.slice(0, rel.start).split('\r\n').length, firstLine);
    expectMapping(text, 'mapping-conflict', []);
  });

  it('compares local codes without regard to case, and periods with open ends', () => {
    expectMapping(mapping(['BOL01;Bolig;29;;;;', 'bol01;Bolig;29;;2023-01-01;;']), 'mapping-duplicate', ['bol01']);
    expectMapping(mapping(['FRI01;Frisør;-;;;;', 'FRI01;Frisør;-;;;;']), 'mapping-duplicate', ['FRI01']);
  });

  it('rows whose periods follow each other are not duplicates; a shared day is', () => {
    expectMapping(mapping(['HSP01;x;15;974589095;;2022-12-31;', 'HSP01;x;15;974589095;2023-01-01;;']), 'mapping-duplicate', []);
    expectMapping(mapping(['HSP01;x;15;974589095;;2023-01-01;', 'HSP01;x;15;974589095;2023-01-01;;']), 'mapping-duplicate', ['HSP01']);
  });

  it('rows with unreadable dates are left to date-invalid', () => {
    expectMapping(mapping(['HSP01;x;15;974589095;;;', 'HSP01;x;15;974589095;i fjor;;']), 'mapping-duplicate', []);
  });

  it('stays fast when one local code has thousands of rows', function () {
    const rows: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const y = 1000 + i;
      rows.push(`HSP01;x;15;974589095;${y}-01-01;${y}-12-31;`);
    }
    rows.push('HSP01;x;15;974589095;;;');
    const t0 = performance.now();
    const seen = expectMapping(mapping(rows), 'mapping-duplicate', ['HSP01']);
    assert.ok(performance.now() - t0 < 1000);
    assert.match(seen[0].message, /on line 2,/);
  });
});
