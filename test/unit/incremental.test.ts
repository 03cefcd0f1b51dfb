import assert from 'node:assert/strict';
import { analyzeText, AnalysisResult } from '../../server/src/analysis/analyze';
import { commonPrefix, commonSuffix, IncrementalAnalyzer, mergeChange } from '../../server/src/analysis/incremental';
import { defaultSettings, KprSettings } from '../../server/src/analysis/types';
import { generateExtract, serializeFagmelding, serializeIdentmelding, wrapInMsgHead } from '../fixtures/generator';
import { Rng } from '../fixtures/rng';
import { comparable, extractWithProblems } from '../support/extracts';

function assertSameAsFull(inc: AnalysisResult, text: string, settings: KprSettings, what: string): void {
  const full = analyzeText(text, { settings });
  assert.deepEqual(comparable(inc), comparable(full), what);
}

const JUNK = [
  '<', '>', '/', '"', "'", '&', '=', ' ', '\n', 'x', '7', '0', '12', '<!-- note -->', '</PERSON>', '<PERSON pePeID="9">',
  '</TJENESTE>', '<TJENESTE>', '<tjTimerUke>300</tjTimerUke>', '<peAlder>x</peAlder>', '<![CDATA[a]]>', '&bogus;', '</',
];

/** One random edit: mostly small ones inside records, some that break or repair tags, some whole records. */
function randomEdit(rng: Rng, text: string, history: string[]): { text: string; start: number; oldEnd: number; newEnd: number } {
  const roll = rng.int(0, 99);
  const replace = (start: number, end: number, insert: string) => ({
    text: text.slice(0, start) + insert + text.slice(end),
    start,
    oldEnd: end,
    newEnd: start + insert.length,
  });
  if (roll < 8 && history.length > 0) {
    // Undo: back to an earlier text (repairs whatever the edits since broke).
    const earlier = history[rng.int(0, history.length - 1)];
    const start = commonPrefix(text, earlier);
    const suffix = commonSuffix(text, earlier, Math.min(text.length, earlier.length) - start);
    return { text: earlier, start, oldEnd: text.length - suffix, newEnd: earlier.length - suffix };
  }
  const persons = [...text.matchAll(/<PERSON\b/g)].map((m) => m.index!);
  if (roll < 40 && persons.length > 2) {
    // A digit inside a record's values.
    const from = persons[rng.int(0, persons.length - 1)];
    const digits: number[] = [];
    const end = text.indexOf('</PERSON>', from);
    for (let i = from; i < (end === -1 ? text.length : end); i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57 && text.charCodeAt(i - 1) !== 34 /* not in an attribute */) digits.push(i);
    }
    if (digits.length > 0) {
      const at = digits[rng.int(0, digits.length - 1)];
      return replace(at, at + 1, String(rng.int(0, 9)));
    }
  }
  if (roll < 50 && persons.length > 3) {
    // Remove or duplicate a whole record.
    const k = rng.int(0, persons.length - 2);
    const start = persons[k];
    const end = persons[k + 1];
    return rng.int(0, 1) === 0 ? replace(start, end, '') : replace(start, start, text.slice(start, end));
  }
  // Anywhere: insert junk, delete a span (which may cut tags), or both.
  const at = rng.int(0, text.length);
  const del = roll < 75 ? rng.int(0, 30) : 0;
  const insert = roll >= 65 ? JUNK[rng.int(0, JUNK.length - 1)] : '';
  return replace(at, Math.min(text.length, at + del), insert);
}

function runProperty(seed: number, base: string, settings: KprSettings, edits: number): { incremental: number } {
  const rng = new Rng(`incremental:${seed}`);
  const analyzer = new IncrementalAnalyzer();
  let text = base;
  assertSameAsFull(analyzer.analyze(text, settings), text, settings, 'first analysis');
  const history = [text];
  let incremental = 0;
  for (let i = 0; i < edits; i++) {
    const e = randomEdit(rng, text, history);
    const hint = rng.int(0, 1) === 0 ? { start: e.start, oldEnd: e.oldEnd, newEnd: e.newEnd } : undefined;
    text = e.text;
    const result = analyzer.analyze(text, settings, undefined, hint);
    if (analyzer.lastMode === 'incremental') incremental++;
    assertSameAsFull(result, text, settings, `edit ${i + 1} (${analyzer.lastMode}, at ${e.start}, ${e.oldEnd - e.start} → ${e.newEnd - e.start})`);
    if (rng.int(0, 9) === 0) history.push(text);
  }
  return { incremental };
}

describe('incremental analysis', function () {
  this.timeout(120_000);

  it('gives exactly the full analysis after every random edit of a fagmelding', () => {
    const settings = defaultSettings();
    const { incremental } = runProperty(1, extractWithProblems(11, 40), settings, 400);
    // The property must hold on the incremental path, not only on the fallback.
    assert.ok(incremental > 150, `only ${incremental} of 400 edits were handled incrementally`);
  });

  it('keeps the cap on findings, severity settings and test users exact', () => {
    const xml = extractWithProblems(12, 30);
    const someId = /pePeID="(\d+)"/.exec(xml.slice(xml.length >> 1))![1];
    const settings = defaultSettings({
      maxFindings: 4,
      severity: { 'org-number-invalid': 'off', 'deprecated-service-code': 'hint' },
      testUsers: [someId],
      reportingYear: 2023,
    });
    const { incremental } = runProperty(2, xml, settings, 200);
    assert.ok(incremental > 60, `only ${incremental} of 200 edits were handled incrementally`);
  });

  it('works inside a Hodemelding', () => {
    const payload = extractWithProblems(13, 20);
    const wrapped = wrapInMsgHead(payload, { type: 'KPR_IPL', msgId: 'c3f1a2b4-0000-4000-8000-000000000001', genDate: '2024-01-08T08:00:00' });
    const { incremental } = runProperty(3, wrapped, defaultSettings(), 150);
    assert.ok(incremental > 40, `only ${incremental} of 150 edits were handled incrementally`);
  });

  it('re-checks one record after a one-character edit and finds the new problem in it', () => {
    const settings = defaultSettings();
    let text = serializeFagmelding(generateExtract({ seed: 21, persons: 300, year: 2023 }));
    const analyzer = new IncrementalAnalyzer();
    const before = analyzer.analyze(text, settings);
    assert.equal(before.findings.filter((f) => f.code === 'hours-per-week').length, 0);
    // Turn some person's weekly hours (two digits or more) into 9xx hours: more than a week has.
    const m = /<tjTimerUke>\d\d/g;
    m.lastIndex = text.length >> 1;
    const at = m.exec(text)!.index + '<tjTimerUke>'.length;
    text = text.slice(0, at) + '9' + text.slice(at);
    const after = analyzer.analyze(text, settings);
    assert.equal(analyzer.lastMode, 'incremental');
    const hours = after.findings.filter((f) => f.code === 'hours-per-week');
    assert.equal(hours.length, 1);
    assert.ok(hours[0].start <= at && at < hours[0].end, 'the finding points at the edited value');
    assertSameAsFull(after, text, settings, 'after the edit');
    // The same text again is answered from the cache.
    assert.equal(analyzer.analyze(text, settings), after);
    assert.equal(analyzer.lastMode, 'unchanged');
  });

  it('reads in full when the header, the settings or the kind of document change', () => {
    const settings = defaultSettings();
    const model = generateExtract({ seed: 22, persons: 10, year: 2023 });
    let text = serializeFagmelding(model);
    const analyzer = new IncrementalAnalyzer();
    analyzer.analyze(text, settings);
    text = text.replace('<iiTilDato>20231231</iiTilDato>', '<iiTilDato>20221231</iiTilDato>');
    assertSameAsFull(analyzer.analyze(text, settings), text, settings, 'header edit');
    assert.equal(analyzer.lastMode, 'full');
    const other = defaultSettings({ reportingYear: 2022 });
    assertSameAsFull(analyzer.analyze(text, other), text, other, 'new settings');
    assert.equal(analyzer.lastMode, 'full');
    const ide = serializeIdentmelding(model);
    assertSameAsFull(analyzer.analyze(ide, other), ide, other, 'identmelding');
    assert.equal(analyzer.lastMode, 'full');
  });

  it('merges several edits into one span that the analyzer accepts', () => {
    const rng = new Rng('merge-change');
    const settings = defaultSettings();
    let text = extractWithProblems(13, 12);
    const analyzer = new IncrementalAnalyzer();
    analyzer.analyze(text, settings);
    for (let round = 0; round < 40; round++) {
      const before = text;
      let span: { start: number; oldEnd: number; newEnd: number } | undefined;
      for (let k = rng.int(1, 4); k > 0; k--) {
        const near = span ? rng.int(Math.max(0, span.start - 50), Math.min(text.length, span.newEnd + 50)) : rng.int(0, text.length);
        const e = Math.min(text.length, near + rng.int(0, 8));
        const insert = ['', '1', '\n', 'ab'][rng.int(0, 3)];
        text = text.slice(0, near) + insert + text.slice(e);
        span = span ? mergeChange(span, near, e, insert.length) : { start: near, oldEnd: e, newEnd: near + insert.length };
      }
      // The merged span says exactly what changed: outside it both texts agree.
      assert.equal(before.slice(0, span!.start), text.slice(0, span!.start));
      assert.equal(before.slice(span!.oldEnd), text.slice(span!.newEnd));
      assertSameAsFull(analyzer.analyze(text, settings, undefined, span), text, settings, `round ${round}`);
    }
  });

  it('finds the changed span of two texts', () => {
    const a = 'x'.repeat(200_000) + 'abc' + 'y'.repeat(150_000);
    const b = 'x'.repeat(200_000) + 'aXYc' + 'y'.repeat(150_000);
    assert.equal(commonPrefix(a, b), 200_001);
    assert.equal(commonSuffix(a, b, Math.min(a.length, b.length) - 200_001), 150_001);
    assert.equal(commonPrefix(a, a.slice(0, 5)), 5);
    assert.equal(commonSuffix('abc', 'abc', 3), 3);
    assert.equal(commonPrefix('', 'abc'), 0);
  });
});
