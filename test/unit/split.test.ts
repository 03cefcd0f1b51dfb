import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { analyzeText } from '../../server/src/analysis/analyze';
import { analyzeSplit, findCut, localTailReader, SplitJoin, TailReader } from '../../server/src/analysis/split';
import { checkFile, SplitSetup } from '../../server/src/analysis/checkFile';
import { defaultSettings, KprSettings } from '../../server/src/analysis/types';
import { generateExtract, serializeIdentmelding, wrapInMsgHead } from '../fixtures/generator';
import { Rng } from '../fixtures/rng';
import { ensureBuilt, REPO } from '../support/build';
import { comparable, extractWithProblems } from '../support/extracts';

// The first person's key is repeated in the last person (duplicateOf 0): only the document-level check on
// both halves together sees it.
const FIRST = 0;

/** Analyses `text` split at `fraction` and asserts the result is the one-thread result; returns how it was joined. */
async function assertSplitSame(text: string, settings: KprSettings, fraction: number, what: string, reader: TailReader = localTailReader(text)): Promise<SplitJoin> {
  let how: SplitJoin | undefined;
  const split = await analyzeSplit(text, { settings }, reader, { minLength: 0, fraction, onJoin: (h) => (how = h) });
  assert.deepEqual(comparable(split), comparable(analyzeText(text, { settings })), what);
  return how!;
}

const JUNK = [
  '<', '>', '/', '"', '&', ' ', 'x', '7', '12', '<!-- note -->', '<!-- </PERSON> -->', '</PERSON>', '<PERSON pePeID="9">',
  '</TJENESTE>', '<TJENESTE>', '<tjTimerUke>300</tjTimerUke>', '<![CDATA[</PERSON>]]>', '&bogus;', 'text in IPLOS', '</IPLOS>',
  '<INNHINFO/>', '<p:PERSON xmlns:p="urn:other">', '</p:PERSON>',
];

/** One random edit near where a cut at `fraction` would fall. */
function editNearCut(rng: Rng, text: string, fraction: number): string {
  const at = Math.max(0, Math.min(text.length, Math.floor(text.length * fraction) + rng.int(-3000, 3000)));
  const del = rng.int(0, 3) === 0 ? rng.int(1, 40) : 0;
  return text.slice(0, at) + JUNK[rng.int(0, JUNK.length - 1)] + text.slice(Math.min(text.length, at + del));
}

describe('split analysis (two threads)', function () {
  this.timeout(180_000);

  it('finds the cut after a record end tag, prefixed or not', () => {
    const text = '<IPLOS><INNHINFO/><PERSON a="1"></PERSON><p:PERSON></p:PERSON ><PERSON></PERSON></IPLOS>';
    assert.equal(text.slice(findCut(text, text.indexOf('<p:PERSON>'))), '<PERSON></PERSON></IPLOS>');
    // Never after the first record: the other thread needs it to set up.
    assert.equal(text.slice(findCut(text, 0)), '<PERSON></PERSON></IPLOS>');
    // No record end after the middle, or only the first one: no cut.
    assert.equal(findCut('<IPLOS><PERSON></PERSON></IPLOS>', 0), undefined);
    assert.equal(findCut('<Melding/>', 0), undefined);
  });

  it('gives exactly the one-thread result, with the other thread reading the tail', async () => {
    const settings = defaultSettings();
    const text = extractWithProblems(31, 120, FIRST);
    for (const fraction of [0.1, 0.3, 0.5, 0.7, 0.9]) {
      assert.equal(await assertSplitSame(text, settings, fraction, `cut at ${fraction}`), 'other');
    }
    // The duplicate key across the halves is found once the summaries are joined.
    const r = analyzeText(text, { settings });
    assert.equal(r.findings.filter((f) => f.code === 'duplicate-id').length, 1);
  });

  it('gives exactly the one-thread result after random damage near the cut', async () => {
    const rng = new Rng('split-damage');
    const base = extractWithProblems(32, 60, FIRST);
    const settings = defaultSettings();
    const seen = new Map<SplitJoin, number>();
    for (let i = 0; i < 300; i++) {
      const fraction = 0.2 + rng.int(0, 60) / 100;
      let text = base;
      for (let k = rng.int(1, 3); k > 0; k--) text = editNearCut(rng, text, fraction);
      const how = await assertSplitSame(text, settings, fraction, `case ${i} (cut at ${fraction})`);
      seen.set(how, (seen.get(how) ?? 0) + 1);
    }
    // Every way of joining was taken, and the other thread's part was used in most cases.
    assert.ok((seen.get('other') ?? 0) > 120, `joins: ${JSON.stringify([...seen])}`);
    assert.ok((seen.get('local') ?? 0) > 0, `joins: ${JSON.stringify([...seen])}`);
  });

  it('keeps the cap on findings, severity settings, test users and the reporting year exact', async () => {
    const text = extractWithProblems(33, 80, FIRST);
    const lateId = /pePeID="(\d+)"/.exec(text.slice(text.length >> 1))![1];
    const settings = defaultSettings({
      maxFindings: 5,
      severity: { 'org-number-invalid': 'off', 'deprecated-service-code': 'hint' },
      testUsers: [lateId],
      reportingYear: 2022,
      language: 'nb',
    });
    assert.equal(await assertSplitSame(text, settings, 0.5, 'settings'), 'other');
  });

  it('works inside a Hodemelding and leaves other documents to one thread', async () => {
    const payload = extractWithProblems(34, 40, FIRST);
    const wrapped = wrapInMsgHead(payload, { type: 'KPR_IPL', msgId: 'c3f1a2b4-0000-4000-8000-000000000002', genDate: '2024-01-08T08:00:00' });
    assert.equal(await assertSplitSame(wrapped, defaultSettings(), 0.5, 'envelope'), 'other');
    const ide = serializeIdentmelding(generateExtract({ seed: 34, persons: 40, year: 2023 }));
    assert.equal(await assertSplitSame(ide, defaultSettings(), 0.5, 'identmelding'), 'whole');
  });

  it('reads the tail itself when the cut is not sound', async () => {
    const settings = defaultSettings();
    const base = extractWithProblems(35, 40, FIRST);
    const mid = base.indexOf('<PERSON ', base.length >> 1);
    // A record end tag inside a comment where the cut would fall.
    const commented = base.slice(0, mid) + '<!-- </PERSON> -->' + base.slice(mid);
    assert.notEqual(await assertSplitSame(commented, settings, mid / commented.length, 'comment'), 'other');
    // Text directly inside IPLOS before the cut: only this thread knows of it.
    const loose = base.slice(0, mid) + 'loose text' + base.slice(mid);
    assert.equal(await assertSplitSame(loose, settings, 0.6, 'text in IPLOS'), 'local');
    // INNHINFO after the first record: the other thread would read with another header.
    const first = base.indexOf('</PERSON>') + '</PERSON>'.length;
    const innhinfo = /<INNHINFO>[\s\S]*?<\/INNHINFO>/.exec(base)!;
    const moved = base.slice(0, innhinfo.index) + base.slice(innhinfo.index + innhinfo[0].length, first) + innhinfo[0] + base.slice(first);
    assert.notEqual(await assertSplitSame(moved, settings, 0.5, 'late INNHINFO'), 'other');
    // A record in another namespace before the cut is reported here and leaves the schema check where a
    // record leaves it: the cut is sound.
    const foreign = base.slice(0, mid) + '<p:PERSON xmlns:p="urn:other"></p:PERSON>' + base.slice(mid);
    assert.equal(await assertSplitSame(foreign, settings, 0.6, 'foreign record'), 'other');
  });

  it('reads the tail itself when the other thread fails', async () => {
    const text = extractWithProblems(36, 30, FIRST);
    const failing: TailReader = { read: () => Promise.reject(new Error('gone')), close: () => undefined };
    assert.equal(await assertSplitSame(text, defaultSettings(), 0.5, 'rejected', failing), 'local');
    const refusing: TailReader = { read: () => Promise.resolve({ ok: false, reason: 'test' }), close: () => undefined };
    assert.equal(await assertSplitSame(text, defaultSettings(), 0.5, 'refused', refusing), 'local');
  });

  describe('a file on disk, through the real worker thread (the bundled dist/checkWorker.js)', () => {
    let dir: string;
    const workerFile = () => path.join(REPO, 'dist', 'checkWorker.js');
    before(() => {
      ensureBuilt();
      dir = mkdtempSync(path.join(tmpdir(), 'kpr-split-'));
    });

    /** Checks `bytes` as a file with two threads and with one; asserts the same result and text; returns how it was joined. */
    async function assertFileSame(name: string, bytes: Buffer, setup: Partial<SplitSetup> = {}): Promise<SplitJoin | undefined> {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      const settings = defaultSettings();
      let how: SplitJoin | undefined;
      const two = await checkFile(file, settings, undefined, { workerFile: workerFile(), minBytes: 0, onJoin: (h) => (how = h), ...setup });
      const one = await checkFile(file, settings);
      assert.deepEqual(comparable(two.result), comparable(one.result), name);
      assert.equal(two.text.length, one.text.length, name);
      assert.ok(two.text === one.text, `${name}: the same text`);
      return how;
    }

    it('gives the one-thread result for UTF-8 with Norwegian letters on both sides of the cut, and for ISO-8859-1', async () => {
      const xml = extractWithProblems(37, 3000, FIRST).replace(/<tjVedtak>/g, (m, at: number) => (at % 5 === 0 ? '<!-- æøå ÆØÅ -->' + m : m));
      assert.equal(await assertFileSame('utf8.xml', Buffer.from(xml, 'utf8')), 'other');
      assert.equal(await assertFileSame('bom.xml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml, 'utf8')])), 'other');
      const latin1 = xml.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
      assert.equal(await assertFileSame('latin1.xml', Buffer.from(latin1, 'latin1')), 'other');
    });

    it('reads the file whole on this thread when it cannot be cut cleanly', async () => {
      const xml = extractWithProblems(38, 3000, FIRST);
      // Invalid UTF-8 and a NUL byte after the cut: the whole file decides what is reported.
      const bytes = Buffer.from(xml, 'utf8');
      const late = bytes.indexOf('<tjVedtak>', Math.floor(bytes.length * 0.8));
      const invalid = Buffer.from(bytes);
      invalid[late + 1] = 0xff;
      assert.equal(await assertFileSame('invalid.xml', invalid), undefined);
      const nul = Buffer.from(bytes);
      nul[late + 1] = 0;
      assert.equal(await assertFileSame('nul.xml', nul), undefined);
      // PERSON written with a prefix: no plain end tag to cut at.
      const prefixed = xml.replace('<IPLOS ', '<IPLOS xmlns:i="http://www.kith.no/xmlstds/iplos/2018-10-10" ').replace(/<(\/?)PERSON\b/g, '<$1i:PERSON');
      assert.equal(await assertFileSame('prefixed.xml', Buffer.from(prefixed, 'utf8')), undefined);
    });

    it('reads the file again on this thread when the cut falls inside a comment', async () => {
      const xml = extractWithProblems(40, 3000, FIRST);
      // In every record around the middle, a PERSON end tag in a comment before the record's own: the
      // first one the byte search finds past the middle is always in a comment.
      const from = Math.floor(xml.length * 0.45);
      const to = Math.floor(xml.length * 0.6);
      const commented = xml.slice(0, from) + xml.slice(from, to).replace(/\n(\s*)<\/PERSON>/g, '<!-- moved: </PERSON> -->\n$1</PERSON>') + xml.slice(to);
      assert.equal(await assertFileSame('comment-at-cut.xml', Buffer.from(commented, 'utf8')), 'again');
    });

    it('stops when cancelled, with the worker stopped too', async () => {
      const file = path.join(dir, 'cancel.xml');
      writeFileSync(file, extractWithProblems(41, 3000, FIRST));
      let polls = 0;
      const t0 = Date.now();
      const r = await checkFile(file, defaultSettings(), () => ++polls > 2, { workerFile: workerFile(), minBytes: 0 });
      assert.equal(r.result.stopped, true);
      assert.ok(Date.now() - t0 < 2000, 'stopped early');
    });

    it('reads the rest on this thread when the worker cannot', async () => {
      const xml = Buffer.from(extractWithProblems(39, 3000, FIRST), 'utf8');
      assert.equal(await assertFileSame('no-worker.xml', xml, { workerFile: path.join(REPO, 'dist', 'no-such-worker.js') }), 'local');
    });
  });
});
