import assert from 'node:assert/strict';
import { checkPair, FagFile, findPairs, IdeFile, SummarizedFile } from '../../server/src/analysis/pairing';
import { FagmeldingSummary, IdentmeldingSummary } from '../../server/src/analysis/summary';
import { defaultSettings, Finding, KprSettings, Severity } from '../../server/src/analysis/types';
import { makePersonId } from '../../server/src/domain/identifiers';
import { t } from '../../server/src/i18n';
import { analyze, fag, ide, ident, person, service } from '../support/kpr';
import { Rng } from '../fixtures/rng';

const rng = new Rng('pairing');
const fnr = () => makePersonId(rng, { kind: 'fnr' });

function persons(ids: number[]): string[] {
  return ids.map((id) => person({ id, services: [service({ peId: id })] }));
}

function fagFile(path: string, ids: number[], lopenr = '1'): FagFile & { text: string } {
  const text = fag(persons(ids), { lopenr });
  return { path, text, summary: analyze(text).summary as FagmeldingSummary };
}

function ideFile(path: string, pids: number[], lopenr = '1'): IdeFile & { text: string } {
  const text = ide(
    pids.map((p) => ident({ pid: String(p), fid: fnr() })),
    { lopenr },
  );
  return { path, text, summary: analyze(text).summary as IdentmeldingSummary };
}

function describeFindings(fs: Finding[], text: string, settings: Partial<KprSettings> = {}) {
  const lang = settings.language ?? 'en';
  return fs.map((f) => ({ at: text.slice(f.start, f.end), message: t(lang, f.key, f.args), severity: f.severity }));
}

function pairName(p: { fag: { path: string }; ide: { path: string }; by: string }): string {
  return `${p.fag.path} + ${p.ide.path} (${p.by})`;
}

describe('findPairs', () => {
  it('pairs files in the same folder by løpenummer, never across folders', () => {
    const files: SummarizedFile[] = [
      fagFile('/data/2023/ipl-a.xml', [1], '11'),
      fagFile('/data/2023/ipl-b.xml', [1], '12'),
      ideFile('/data/2023/ide-b.xml', [1], '12'),
      ideFile('/data/2023/ide-a.xml', [1], '11'),
      ideFile('/data/other/ide-a.xml', [1], '11'),
    ];
    assert.deepEqual(findPairs(files).map(pairName), [
      '/data/2023/ipl-a.xml + /data/2023/ide-a.xml (lopenr)',
      '/data/2023/ipl-b.xml + /data/2023/ide-b.xml (lopenr)',
    ]);
  });

  it('pairs the only fagmelding and identmelding of a folder even when their løpenumre differ', () => {
    const files = [fagFile('file:///c%3A/kpr/IPL.xml', [1], '5'), ideFile('file:///c%3A/kpr/IDE.xml', [1], '6')];
    assert.deepEqual(findPairs(files).map(pairName), ['file:///c%3A/kpr/IPL.xml + file:///c%3A/kpr/IDE.xml (folder)']);
  });

  it('does not guess when a folder holds several files without matching løpenummer', () => {
    const files = [
      fagFile('C:\\kpr\\a.xml', [1], '1'),
      fagFile('C:\\kpr\\b.xml', [1], '2'),
      ideFile('C:\\kpr\\c.xml', [1], '3'),
    ];
    assert.deepEqual(findPairs(files), []);
  });

  it('compares every version with the same løpenummer side by side', () => {
    const files = [fagFile('/k/ipl-v1.xml', [1], '9'), fagFile('/k/ipl-v2.xml', [1], '9'), ideFile('/k/ide.xml', [1], '9')];
    assert.deepEqual(findPairs(files).map(pairName), ['/k/ipl-v1.xml + /k/ide.xml (lopenr)', '/k/ipl-v2.xml + /k/ide.xml (lopenr)']);
  });
});

describe('checkPair (ident-mismatch)', () => {
  it('finds nothing when løpenummer and persons agree', () => {
    const r = checkPair(fagFile('/k/ipl.xml', [1, 2, 3]), ideFile('/k/ide.xml', [3, 2, 1]), defaultSettings());
    assert.deepEqual(r, { fagFindings: [], ideFindings: [] });
  });

  it('reports a person without an ident at its pePeID, and an ident without a person at its pid, each pointing into the other file', () => {
    const f = fagFile('/k/ipl.xml', [1, 2, 3], '4');
    const i = ideFile('/k/ide.xml', [1, 3, 5], '4');
    const r = checkPair(f, i, defaultSettings());
    const inFag = describeFindings(r.fagFindings, f.text);
    const inIde = describeFindings(r.ideFindings, i.text);
    assert.deepEqual(inFag, [
      {
        at: '2',
        message: 'The person with pePeID 2 has no PasientIdent (pid 2) in the identmelding ide.xml and cannot be linked to a fødselsnummer.',
        severity: Severity.Error,
      },
    ]);
    assert.deepEqual(inIde, [
      {
        at: '5',
        message: 'The PasientIdent with pid 5 has no PERSON (pePeID 5) in the fagmelding ipl.xml. The identmelding must hold only persons that are in the fagmelding.',
        severity: Severity.Error,
      },
    ]);
    assert.equal(r.fagFindings[0].start, f.text.indexOf('pePeID="2"') + 8);
    const rel = r.fagFindings[0].related![0];
    assert.equal(rel.file, '/k/ide.xml');
    assert.equal(i.text.slice(rel.start, rel.end), '4');
    assert.equal(t('en', rel.key, rel.args), 'The identmelding it was compared with (løpenummer 4)');
    const relBack = r.ideFindings[0].related![0];
    assert.equal(relBack.file, '/k/ipl.xml');
    assert.equal(f.text.slice(relBack.start, relBack.end), '4');
    assert.equal(
      t('nb', r.fagFindings[0].key, r.fagFindings[0].args),
      'Personen med pePeID 2 har ingen PasientIdent (pid 2) i identmeldingen ide.xml, og kan ikke kobles til et fødselsnummer.',
    );
  });

  it('reports different løpenumre at both values when the pair was made by folder', () => {
    const f = fagFile('/k/ipl.xml', [1], '5');
    const i = ideFile('/k/ide.xml', [1], '6');
    const [pair] = findPairs([f, i]);
    const r = checkPair(pair.fag, pair.ide, defaultSettings());
    assert.deepEqual(
      describeFindings(r.fagFindings, f.text).map((x) => x.at),
      ['5'],
    );
    assert.deepEqual(
      describeFindings(r.ideFindings, i.text).map((x) => x.at),
      ['6'],
    );
    assert.match(t('en', r.fagFindings[0].key, r.fagFindings[0].args), /^The løpenummer 5 differs from the one in the identmelding ide.xml \(6\)/);
    assert.match(t('nb', r.ideFindings[0].key, r.ideFindings[0].args), /^Løpenummeret 6 er ikke det samme som i fagmeldingen ipl.xml \(5\)/);
    assert.equal(i.text.slice(r.fagFindings[0].related![0].start, r.fagFindings[0].related![0].end), '6');
  });

  it('caps per-record findings and counts the rest in one summarising finding', () => {
    const common = Array.from({ length: 5 }, (_, k) => k + 1);
    const onlyFag = Array.from({ length: 40 }, (_, k) => 100 + k);
    const f = fagFile('/k/ipl.xml', [...common, ...onlyFag]);
    const i = ideFile('/k/ide.xml', [...common, 900]);
    const r = checkPair(f, i, defaultSettings(), { maxPerFile: 10 });
    assert.equal(r.fagFindings.length, 11);
    assert.deepEqual(
      r.fagFindings.slice(0, 10).map((x) => f.text.slice(x.start, x.end)),
      onlyFag.slice(0, 10).map(String),
    );
    const last = r.fagFindings[10];
    assert.equal(f.text.slice(last.start, last.end), '1');
    assert.equal(
      t('en', last.key, last.args),
      '40 persons in this fagmelding have no PasientIdent in the identmelding ide.xml; the first 10 are marked, 30 more are not shown. So many differences may mean the files do not belong together.',
    );
    assert.equal(r.ideFindings.length, 1);
  });

  it('says once per file that nothing matches, instead of one finding per person, when no key is shared', () => {
    const f = fagFile('/k/ipl.xml', Array.from({ length: 3000 }, (_, k) => k + 1));
    const i = ideFile('/k/ide.xml', Array.from({ length: 2000 }, (_, k) => 10000 + k));
    const r = checkPair(f, i, defaultSettings());
    assert.equal(r.fagFindings.length, 1);
    assert.equal(r.ideFindings.length, 1);
    assert.equal(
      t('en', r.fagFindings[0].key, r.fagFindings[0].args),
      'None of the 3000 persons in this fagmelding has a PasientIdent in the identmelding ide.xml (2000 PasientIdent). The files probably do not belong together, or pePeID and pid are different keys.',
    );
    assert.equal(r.ideFindings[0].related![0].file, '/k/ipl.xml');
  });

  it('follows the ident-mismatch severity setting', () => {
    const f = fagFile('/k/ipl.xml', [1, 2]);
    const i = ideFile('/k/ide.xml', [1]);
    assert.equal(checkPair(f, i, defaultSettings({ severity: { 'ident-mismatch': 'warning' } })).fagFindings[0].severity, Severity.Warning);
    assert.deepEqual(checkPair(f, i, defaultSettings({ severity: { 'ident-mismatch': 'off' } })), { fagFindings: [], ideFindings: [] });
  });

  it('never prints an 11-digit number: keys that are person numbers and such file names are masked', () => {
    const key = fnr();
    const fText = fag([person({ id: 1, services: [service({ peId: 1 })] }), person({ id: key, services: [service({ peId: 1 })] })]);
    const f: FagFile = { path: `/k/${fnr()}.xml`, summary: analyze(fText).summary as FagmeldingSummary };
    const i = ideFile('/k/ide.xml', [1, 2], '2');
    const r = checkPair(f, i, defaultSettings());
    const all = [...r.fagFindings, ...r.ideFindings];
    assert.equal(all.length, 4); // løpenummer twice, one person without ident, one ident without person
    for (const lang of ['nb', 'en'] as const) {
      for (const x of all) {
        assert.doesNotMatch(t(lang, x.key, x.args), /[0-9]{11}/);
        for (const rel of x.related ?? []) assert.doesNotMatch(t(lang, rel.key, rel.args), /[0-9]{11}/);
      }
    }
  });
});
