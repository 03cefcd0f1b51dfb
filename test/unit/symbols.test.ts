import assert from 'node:assert/strict';
import { documentOutline, OutlineSymbol } from '../../server/src/features/symbols';
import { fag, ide, ident, person, service } from '../support/kpr';

function names(symbols: OutlineSymbol[]): unknown[] {
  return symbols.map((s) => (s.children.length ? [s.name, names(s.children)] : s.name));
}

describe('document outline', () => {
  it('lists INNHINFO, then persons with their services', () => {
    const xml = fag([
      person({ id: 7, services: [service({ code: 15, from: '20230110', to: '20230501', peId: 7 }), service({ code: 12, tjTjID: 2, peId: 7 })] }),
      person({ id: 8, services: [service({ code: 99, peId: 8 })] }),
    ]);
    const o = documentOutline(xml, { lang: 'nb' });
    assert.equal(o.kind, 'fagmelding');
    assert.deepEqual(names(o.symbols), [
      'INNHINFO',
      ['Person 7', ['15 – Helsetjenester i hjemmet', '12 – Omsorgsbolig (utgått)']],
      ['Person 8', ['99 – ukjent tjenestetype']],
    ]);
    assert.equal(o.symbols[0].detail, 'kommune 5001 · 20230101–20231231 · løpenr 1');
    assert.equal(o.symbols[1].detail, '2 tjenester');
    assert.equal(o.symbols[1].children[0].detail, '20230110–20230501');
    const p = o.symbols[1];
    assert.equal(xml.slice(p.start, p.end).startsWith('<PERSON pePeID="7">'), true);
    assert.equal(xml.slice(p.selectionStart, p.selectionEnd), '7');
    assert.ok(p.start <= p.selectionStart && p.selectionEnd <= p.end);
    const s = p.children[1];
    assert.equal(xml.slice(s.selectionStart, s.selectionEnd), '12');
  });

  it('stops at the cap with a note saying so', () => {
    const xml = fag(Array.from({ length: 6 }, (_, i) => person({ id: i + 1, services: [service({ peId: i + 1 })] })));
    const o = documentOutline(xml, { lang: 'en', maxRecords: 4 });
    assert.equal(o.truncated, true);
    assert.equal(o.records, 4);
    assert.deepEqual(o.symbols.map((s) => s.kind), ['header', 'person', 'person', 'person', 'person', 'note']);
    assert.equal(o.symbols[5].name, 'The outline shows the first 4 persons');
  });

  it('outlines an identmelding by pid and kind of number, never the number', () => {
    const fnr = '01010112345';
    const xml = ide([ident({ pid: '1', fid: fnr, typeID: '1' }), ident({ pid: '2', fid: '41010112345', typeID: '2' })]);
    const o = documentOutline(xml, { lang: 'nb' });
    assert.equal(o.kind, 'identmelding');
    assert.deepEqual(names(o.symbols), ['Melding', 'Kontaktperson', ['Institusjon 5001', ['pid 1', 'pid 2']]]);
    assert.equal(o.symbols[2].children[0].detail, 'fødselsnummer');
    assert.equal(o.symbols[2].children[1].detail, 'D-nummer');
    assert.equal(o.symbols[2].detail, '2 personer');
    assert.doesNotMatch(JSON.stringify(o), /12345/);
  });

  it('is empty for other XML and partial when stopped', () => {
    assert.deepEqual(documentOutline('<r><PERSON pePeID="1"/></r>', { lang: 'en' }).symbols, []);
    const big = fag(Array.from({ length: 3000 }, (_, i) => person({ id: i + 1 })));
    const o = documentOutline(big, { lang: 'en', shouldStop: () => true });
    assert.equal(o.stopped, true);
    assert.ok(o.records < 3000);
  });
});
