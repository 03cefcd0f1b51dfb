/** Choosing what to send (client/src/views/model/candidates.ts): the active file's pair is ticked for you. */
import assert from 'node:assert/strict';
import { candidateRows, choiceProblem, pairOf } from '../../../client/src/views/model/candidates';
import type { Candidate } from '../../../server/src/lsp/protocol';
import { en, nb } from './l10nFixture';

const c = (uri: string, kind: Candidate['kind'], lopenr?: string, envelope = false): Candidate => ({ uri, kind, envelope, ...(lopenr ? { lopenr } : {}) });

describe('choosing the files to send (view model)', () => {
  const files = [
    c('file:///ws/2024/fagmelding.xml', 'fagmelding', '12'),
    c('file:///ws/2024/identmelding.xml', 'identmelding', '12'),
    c('file:///ws/2024/identmelding-old.xml', 'identmelding', '11'),
    c('file:///ws/2023/fag.xml', 'fagmelding', '3'),
    c('file:///ws/2023/ide.xml', 'identmelding', '4'),
    c('file:///ws/sent/hodemelding.xml', 'fagmelding', '12', true),
  ];

  it('pairs by løpenummer in the same folder', () => {
    assert.deepEqual(
      pairOf(files, 'file:///ws/2024/fagmelding.xml').map((x) => x.uri),
      ['file:///ws/2024/fagmelding.xml', 'file:///ws/2024/identmelding.xml'],
    );
    assert.deepEqual(
      pairOf(files, 'file:///ws/2024/identmelding-old.xml').map((x) => x.uri),
      ['file:///ws/2024/identmelding-old.xml'],
      'løpenummer 11 has no fagmelding, and the folder has two identmeldinger',
    );
  });

  it('pairs the only fagmelding and identmelding of a folder even when the løpenumre differ', () => {
    assert.deepEqual(
      pairOf(files, 'file:///ws/2023/ide.xml').map((x) => x.uri),
      ['file:///ws/2023/ide.xml', 'file:///ws/2023/fag.xml'],
    );
    assert.deepEqual(pairOf(files, 'file:///ws/elsewhere.xml'), []);
  });

  it('lists fagmeldinger first, ticks the pair, and says why an enveloped file cannot go as it is', () => {
    const rows = candidateRows(files, 'file:///ws/2024/identmelding.xml', (u) => u.replace('file:///ws/', ''), en);
    assert.deepEqual(
      rows.map((r) => [r.label, r.picked]),
      [
        ['fag.xml', false],
        ['fagmelding.xml', true],
        ['hodemelding.xml', false],
        ['ide.xml', false],
        ['identmelding-old.xml', false],
        ['identmelding.xml', true],
      ],
    );
    assert.equal(rows[1].description, 'fagmelding (KPR_IPL) · løpenummer 12');
    assert.equal(rows[1].detail, '2024/fagmelding.xml');
    assert.equal(rows[2].detail, 'Already wrapped in a Hodemelding: send the fagmelding or identmelding itself');
    assert.equal(candidateRows(files, undefined, (u) => u, nb)[5].description, 'identmelding (KPR_IDE) · løpenummer 12');
  });

  it('accepts one of each kind at most', () => {
    assert.equal(choiceProblem([{ kind: 'fagmelding', label: 'a' }, { kind: 'identmelding', label: 'b' }], en), undefined);
    assert.equal(choiceProblem([{ kind: 'fagmelding', label: 'a' }], en), undefined);
    assert.equal(choiceProblem([{ kind: 'fagmelding', label: 'a' }, { kind: 'fagmelding', label: 'b' }], en), 'Choose one fagmelding at a time (2 are chosen).');
    assert.equal(choiceProblem([], nb), 'Velg en fagmelding, en identmelding, eller én av hver.');
  });
});
