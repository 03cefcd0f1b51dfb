import assert from 'node:assert/strict';
import { completionAt } from '../../server/src/features/completion';
import { EXPIRED_SERVICE_CODES, SERVICE_CODES } from '../../server/src/domain/serviceCodes';
import { fag, ide, ident, person, service } from '../support/kpr';

describe('completion of service codes', () => {
  const xml = fag(person({ services: [service({ code: 15 })] }));
  const inCode = xml.indexOf('<tjTjenType>15') + '<tjTjenType>'.length + 1;

  it('offers every valid code with its name, in numeric order, replacing the digits around the cursor', () => {
    const c = completionAt(xml, inCode, { lang: 'nb' });
    assert.ok(c);
    assert.equal(xml.slice(c.start, c.end), '15');
    assert.deepEqual(c.items.map((i) => i.label), SERVICE_CODES.map((s) => String(s.code)));
    const sorted = [...c.items].sort((a, b) => a.sortText.localeCompare(b.sortText)).map((i) => i.label);
    assert.deepEqual(sorted, c.items.map((i) => i.label), 'sortText keeps 2 before 10');
    const h29 = c.items.find((i) => i.label === '29');
    assert.equal(h29?.detail, 'Bolig som kommunen disponerer for helse- og omsorgsformål');
    assert.equal(h29?.description, 'uten org.nr.');
  });

  it('never offers an expired code', () => {
    const c = completionAt(xml, inCode, { lang: 'en' });
    assert.ok(c);
    for (const e of EXPIRED_SERVICE_CODES) assert.ok(!c.items.some((i) => i.label === String(e.code)), `${e.code} is expired`);
  });

  it('works in an empty tjTjenType', () => {
    const empty = xml.replace('<tjTjenType>15</tjTjenType>', '<tjTjenType></tjTjenType>');
    const at = empty.indexOf('<tjTjenType>') + '<tjTjenType>'.length;
    const c = completionAt(empty, at, { lang: 'en' });
    assert.ok(c);
    assert.equal(c.start, at);
    assert.equal(c.end, at);
  });

  it('offers nothing elsewhere or in other documents', () => {
    assert.equal(completionAt(xml, xml.indexOf('<peKomnr>') + 9, { lang: 'en' }), undefined);
    assert.equal(completionAt(xml, xml.indexOf('<tjTjenType>') + 3, { lang: 'en' }), undefined, 'not in the tag name');
    const x = ide(ident({ pid: '1' }));
    assert.equal(completionAt(x, x.indexOf('pid=') + 5, { lang: 'en' }), undefined);
    const other = '<r><tjTjenType>1</tjTjenType></r>';
    assert.equal(completionAt(other, other.indexOf('>1<') + 1, { lang: 'en' }), undefined);
  });
});
