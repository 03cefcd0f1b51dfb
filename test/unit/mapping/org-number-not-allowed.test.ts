import assert from 'node:assert/strict';
import { applyEdits, fixAll, fixFor } from '../../../server/src/features/fixes';
import { checkMapping } from '../../../server/src/mapping';
import { expectMapping, generated, mapping, rowWith } from './helpers';

describe('mapping: org-number-not-allowed', () => {
  it('flags an org number on housing (29) on a generated mapping; the fix empties the cell and keeps the columns', () => {
    let org = '';
    const text = generated('notallowed', (rows) => {
      org = rows[rowWith(rows, '15')].orgnr;
      rows[rowWith(rows, '29')].orgnr = org;
    });
    const [seen] = expectMapping(text, 'org-number-not-allowed', [org]);
    assert.equal(seen.severity, 1);
    assert.equal(
      seen.message,
      'Service type 29 (Housing the municipality provides for health and care purposes) must be reported without an organisation number. Clear orgnr in this row.',
    );
    const fix = fixFor(text, seen.finding, 'en');
    assert.equal(fix?.title, 'Remove the organisation number (orgnr)');
    const fixed = applyEdits(text, fix!.edits);
    expectMapping(fixed, 'org-number-not-allowed', []);
    const before = text.split('\r\n').find((l) => l.includes(`;29;${org}`))!;
    assert.ok(fixed.includes(before.replace(`;29;${org};`, ';29;;')));
  });

  it('flags GPS (26); a quoted cell is emptied with its quotes', () => {
    const text = 'lokal_kode,tjenestetype,orgnr,kommentar\nGPS01,26," 974589095 ",ok\n';
    const [seen] = expectMapping(text, 'org-number-not-allowed', ['974589095']);
    assert.equal(applyEdits(text, fixFor(text, seen.finding)!.edits), 'lokal_kode,tjenestetype,orgnr,kommentar\nGPS01,26,,ok\n');
  });

  it('on 12/13 it leaves the fix to deprecated-service-code, whatever the column order', () => {
    const text = 'orgnr;lokal_kode;tjenestetype\n974589095;OB1;12\n';
    const [seen] = expectMapping(text, 'org-number-not-allowed', ['974589095']);
    assert.match(seen.message, /The fix for deprecated-service-code changes the service type and clears orgnr in one edit/);
    assert.equal(seen.finding.data, undefined);
    assert.equal(applyEdits(text, fixAll(text, checkMapping(text)).edits), 'orgnr;lokal_kode;tjenestetype\n;OB1;29\n');
  });

  it('refuses a stale fix: the cell must still be one whole cell', () => {
    const text = mapping(['GPS01;GPS;26;974589095;;;']);
    const [seen] = expectMapping(text, 'org-number-not-allowed', ['974589095']);
    const edited = text.replace(';26;974589095;', ';26;97458909;5');
    assert.equal(fixFor(edited, seen.finding), undefined);
  });
});
