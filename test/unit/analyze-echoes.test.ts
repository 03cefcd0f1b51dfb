/**
 * Echoes of a syntax error: an element closed by recovery (its end tag misspelt or missing) takes the
 * following siblings as its children, and the schema check would report each of them as not allowed and
 * the parent's real children as missing. The analysis reports the syntax error alone for that part (the
 * nearest ancestor closed by its own end tag), keeps every other rule's findings, and checks the other
 * records as usual, in the full and in the incremental analysis alike.
 */
import assert from 'node:assert/strict';
import { analyzeText, AnalysisResult } from '../../server/src/analysis/analyze';
import { IncrementalAnalyzer } from '../../server/src/analysis/incremental';
import { defaultSettings, FindingInput } from '../../server/src/analysis/types';
import { createSchemaCheck, SchemaCheck } from '../../server/src/schema';
import { parseXml } from '../../server/src/xml/parser';
import { generateExtract, serializeFagmelding } from '../fixtures/generator';
import { fag, findings, person, service } from '../support/kpr';

function edit(xml: string, from: string, to: string): string {
  assert.ok(xml.includes(from), `test document lacks ${from}`);
  return xml.replace(from, to);
}

/** The schema check alone over the reader, without the pipeline's echo handling: what it would report. */
function rawSchemaFindings(xml: string): FindingInput[] {
  const found: FindingInput[] = [];
  let check: SchemaCheck | undefined;
  parseXml(xml, {
    onOpen: (el) => {
      if (!el.parent) check = createSchemaCheck('fagmelding', el, (f) => found.push(f), defaultSettings(), xml);
      check!.open(el);
    },
    onClose: (el) => check!.close(el),
  });
  return found;
}

function comparable(r: AnalysisResult) {
  return { ...r, stats: { records: r.stats.records, hiddenFindings: r.stats.hiddenFindings } };
}

const BROKEN = person({ id: 2 }).replace('<peKjonn>K</peKjonn>', '<peKjonn>K</peKjon>');
const INVALID = person({ id: 3 }).replace('<peAlder>84</peAlder>', '<peAlder>x</peAlder>');
const DOC = fag([person({ id: 1 }), BROKEN, INVALID, person({ id: 4 })]);

describe('analysis: echoes of a syntax error', () => {
  it('reports only the syntax error for a broken PERSON, and the schema findings of the other records', () => {
    // Without the echo handling the broken record floods the schema check.
    const brokenAt = DOC.indexOf(BROKEN);
    const raw = rawSchemaFindings(DOC).filter((f) => f.start >= brokenAt && f.start < brokenAt + BROKEN.length);
    assert.ok(raw.length >= 3, `the schema check alone reports echoes: ${raw.length}`);

    const seen = findings(DOC, undefined, { language: 'en' });
    assert.deepEqual(
      seen.map((s) => [s.code, s.at]),
      [
        ['schema', 'x'],
        ['xml-syntax', '</peKjon>'],
        ['xml-syntax', '<peKjonn'],
      ],
      JSON.stringify(seen, null, 1),
    );
  });

  it('bounds the echoes by the nearest ancestor closed by its own end tag', () => {
    // A value's end tag misspelt inside the second TJENESTE: the first TJENESTE and the PERSON's own
    // elements are still checked by the schema, and the other rules still see the whole record.
    const p = person({
      id: 5,
      services: [
        service({ peId: 5, tjTjID: 1, timerUke: '200' }),
        service({ peId: 5, tjTjID: 2 }).replace('<tjVedtak>1</tjVedtak>', '<tjVedtak>1</tjVedtk>'),
      ],
    }).replace('<peKomnr>5001</peKomnr>', '<peKomnr>50011</peKomnr>');
    const xml = fag([p, INVALID]);
    const seen = findings(xml, undefined, { language: 'en' });
    const second = xml.indexOf('tjTjID="2"');
    const schemaInSecond = seen.filter((s) => s.code === 'schema' && xml.indexOf(s.at, second) !== -1 && xml.indexOf(s.at, second) < xml.indexOf('</TJENESTE>', second));
    assert.deepEqual(schemaInSecond, [], JSON.stringify(seen, null, 1));
    assert.deepEqual(
      seen.filter((s) => s.code === 'schema').map((s) => s.at),
      ['50011', 'x'],
    );
    assert.ok(seen.some((s) => s.code === 'hours-per-week' && s.at === '200'), JSON.stringify(seen, null, 1));
    assert.deepEqual(
      seen.filter((s) => s.code === 'xml-syntax').map((s) => s.at),
      ['</tjVedtk>', '<tjVedtak'],
    );
  });

  it('a PERSON whose own end tag is missing: its span is bounded by the payload root', () => {
    const xml = fag([person({ id: 1 }), person({ id: 2 }).replace('</PERSON>', '</PERSN>'), person({ id: 3 })]);
    assert.deepEqual(
      findings(xml).map((s) => [s.code, s.at]),
      [
        ['xml-syntax', '</PERSN>'],
        ['xml-syntax', '<PERSON'],
      ],
    );
  });

  it('applies the cap on findings after the echoes are gone', () => {
    const r = analyzeText(DOC, { settings: defaultSettings({ maxFindings: 2 }) });
    assert.deepEqual(
      r.findings.map((f) => [f.code, DOC.slice(f.start, f.end)]),
      [
        ['schema', 'x'],
        ['xml-syntax', '</peKjon>'],
        ['too-many-findings', '<'],
      ],
    );
    assert.equal(r.stats.hiddenFindings, 1);
  });

  it('the incremental analysis gives the same findings when a record is broken and repaired', () => {
    const settings = defaultSettings({ maxFindings: 50 });
    let xml = serializeFagmelding(generateExtract({ seed: 7, persons: 40, year: 2023 }));
    const analyzer = new IncrementalAnalyzer();
    analyzer.analyze(xml, settings);
    const ends = [...xml.matchAll(/<\/(pe[A-Za-z]+|tj[A-Za-z]+)>/g)];
    const steps: [string, (x: string) => string][] = [];
    for (const k of [5, 60, 200, ends.length - 3]) {
      const m = ends[k];
      steps.push([`break ${m[0]} at ${m.index}`, (x) => x.slice(0, m.index! + 2) + 'Q' + x.slice(m.index! + 3)]);
    }
    const original = xml;
    for (const [what, step] of steps) {
      xml = step(xml);
      const inc = analyzer.analyze(xml, settings);
      assert.deepEqual(comparable(inc), comparable(analyzeText(xml, { settings })), what);
      assert.ok(inc.findings.some((f) => f.code === 'xml-syntax'), what);
    }
    const repaired = analyzer.analyze(original, settings);
    assert.deepEqual(comparable(repaired), comparable(analyzeText(original, { settings })), 'repaired');
    assert.equal(analyzer.lastMode, 'incremental');
  });
});
