import assert from 'node:assert/strict';
import { applyEdits, elementRemoval, fixAll, fixFor, FIX_PROVIDERS } from '../../server/src/features/fixes';
import { analyze, fag, person, service } from '../support/kpr';

/** The findings of `code` in `xml`, as the language server hands them to the fix providers. */
function found(xml: string, code: string) {
  return analyze(xml).findings.filter((f) => f.code === code);
}

/** Applies the quick fix of the first finding of `code` and returns the new text. */
function quickFix(xml: string, code: string, lang: 'nb' | 'en' = 'en') {
  const [f] = found(xml, code);
  assert.ok(f, `expected a ${code} finding`);
  const fix = fixFor(xml, f, lang);
  assert.ok(fix, `expected a fix for ${code}`);
  return { fix, text: applyEdits(xml, fix.edits) };
}

describe('quick fixes', () => {
  it('has one provider per fixable rule code', () => {
    assert.deepEqual([...FIX_PROVIDERS.keys()].sort(), ['deprecated-service-code', 'org-number-not-allowed']);
  });

  it('changes service type 12 to 29 and removes the org number 29 must not have, leaving the rest as written', () => {
    const before = fag(person({ services: [service({ code: 12, orgnr: '974589095' })] }));
    const { fix, text } = quickFix(before, 'deprecated-service-code', 'nb');
    assert.equal(fix.title, 'Endre tjenestetype 12 til 29 og fjern organisasjonsnummeret');
    // Exactly the file a correct extract would have: code 29 and no tjInstOrgnr line.
    assert.equal(text, fag(person({ services: [service({ code: 29 })] })));
    assert.equal(found(text, 'deprecated-service-code').length, 0);
    assert.equal(found(text, 'org-number-not-allowed').length, 0);
  });

  it('changes 13 to 29 without touching anything when there is no org number', () => {
    const before = fag(person({ services: [service({ code: 13, orgnr: null })] }));
    const { fix, text } = quickFix(before, 'deprecated-service-code');
    assert.equal(fix.title, 'Change service type 13 to 29');
    assert.equal(fix.edits.length, 1);
    assert.equal(text, fag(person({ services: [service({ code: 29 })] })));
  });

  it('replaces only the digits of a code written with spaces and leading zeros', () => {
    const before = fag(person({ services: [service({ code: ' 012 ', orgnr: null })] }));
    const { text } = quickFix(before, 'deprecated-service-code');
    assert.ok(text.includes('<tjTjenType> 29 </tjTjenType>'), text);
  });

  it('offers no fix when the text at the finding no longer holds the code (stale analysis)', () => {
    const before = fag(person({ services: [service({ code: 12, orgnr: null })] }));
    const [f] = found(before, 'deprecated-service-code');
    const edited = before.replace('<tjTjenType>12<', '<tjTjenType>15<');
    assert.equal(fixFor(edited, f), undefined);
    // The org removal is checked too: a range that no longer holds one element is refused.
    assert.equal(elementRemoval(before, f.start, f.end), undefined);
  });

  it('removes a forbidden org number on service type 29 with its line', () => {
    const before = fag(person({ services: [service({ code: 29, orgnr: '974589095' })] }));
    const { fix, text } = quickFix(before, 'org-number-not-allowed', 'nb');
    assert.equal(fix.title, 'Fjern organisasjonsnummeret (tjInstOrgnr)');
    assert.equal(text, fag(person({ services: [service({ code: 29 })] })));
  });

  it('removes an element that shares its line with others without joining lines', () => {
    const xml = '<r>\n  <a/><tjInstOrgnr>974589095</tjInstOrgnr><b/>\n</r>';
    const start = xml.indexOf('<tjInstOrgnr>');
    const end = xml.indexOf('<b/>');
    const e = elementRemoval(xml, start, end, 'tjInstOrgnr');
    assert.ok(e);
    assert.equal(applyEdits(xml, [e]), '<r>\n  <a/><b/>\n</r>');
    assert.equal(elementRemoval(xml, start, end, 'somethingElse'), undefined, 'the named element must be the one in the range');
  });

  it('removes a whole line, CRLF included, when the range is just the element', () => {
    const xml = '<r>\r\n  <a/>\r\n  <tjInstOrgnr>974589095</tjInstOrgnr>\r\n  <b/>\r\n</r>';
    const start = xml.indexOf('<tjInstOrgnr>');
    const end = xml.indexOf('</tjInstOrgnr>') + '</tjInstOrgnr>'.length;
    const e = elementRemoval(xml, start, end);
    assert.ok(e);
    assert.equal(applyEdits(xml, [e]), '<r>\r\n  <a/>\r\n  <b/>\r\n</r>');
  });

  it('fixes a whole file at once without overlapping edits (source.fixAll.kpr)', () => {
    const before = fag([
      person({ id: 1, services: [service({ code: 12, orgnr: '974589095', tjTjID: 1 }), service({ code: 15, tjTjID: 2 })] }),
      person({ id: 2, services: [service({ code: 13, orgnr: null, peId: 2 })] }),
      person({ id: 3, services: [service({ code: 29, orgnr: '974589095', peId: 3 })] }),
    ]);
    const findings = analyze(before).findings;
    const result = fixAll(before, findings);
    // 12 (with its org number), 13, and the org number on 29; the org-number finding on 12 is the same
    // removal the 12 → 29 fix already makes, so it is skipped rather than applied twice.
    assert.equal(result.fixed, 3);
    assert.equal(result.skipped, 1);
    for (let i = 1; i < result.edits.length; i++) assert.ok(result.edits[i - 1].end <= result.edits[i].start, 'edits do not overlap');
    const after = applyEdits(before, result.edits);
    assert.equal(
      after,
      fag([
        person({ id: 1, services: [service({ code: 29, tjTjID: 1 }), service({ code: 15, tjTjID: 2 })] }),
        person({ id: 2, services: [service({ code: 29, peId: 2 })] }),
        person({ id: 3, services: [service({ code: 29, peId: 3 })] }),
      ]),
    );
    assert.deepEqual(fixAll(after, analyze(after).findings), { edits: [], fixed: 0, skipped: 0 }, 'nothing left to fix');
  });

  it('works on CRLF files and keeps their line endings', () => {
    const crlf = (s: string) => s.replace(/\n/g, '\r\n');
    const before = crlf(fag(person({ services: [service({ code: 12, orgnr: '974589095' })] })));
    const after = applyEdits(before, fixAll(before, analyze(before).findings).edits);
    assert.equal(after, crlf(fag(person({ services: [service({ code: 29 })] }))));
  });

  it('has no fix for codes without a provider or findings without fix data', () => {
    const xml = fag(person({ services: [service({ code: 16, orgnr: null })] }));
    const [f] = found(xml, 'deprecated-service-code');
    assert.ok(f, '16 is expired');
    assert.equal(f.data, undefined, '16 has no code replacement (it became the person flag poHab)');
    assert.equal(fixFor(xml, f), undefined);
    assert.equal(fixFor(xml, { code: 'xml-syntax', start: 0, end: 1 }), undefined);
  });

  it('refuses overlapping edits', () => {
    assert.throws(() => applyEdits('abcdef', [{ start: 1, end: 4, newText: 'x' }, { start: 3, end: 5, newText: 'y' }]), /overlapping/);
    assert.equal(applyEdits('abcdef', [{ start: 4, end: 5, newText: 'E' }, { start: 0, end: 1, newText: 'A' }]), 'AbcdEf');
  });
});
