/** The KPR language status item's words (client/src/views/model/status.ts). */
import assert from 'node:assert/strict';
import type { StatusParams } from '../../../server/src/lsp/protocol';
import { STATUS_LANGUAGES, statusView } from '../../../client/src/views/model/status';
import { en, nb } from './l10nFixture';

const status = (over: Partial<StatusParams>): StatusParams => ({
  uri: 'file:///w/x',
  version: 1,
  kind: 'fagmelding',
  envelope: false,
  ms: 12,
  records: 1234,
  counts: { error: 0, warning: 0, information: 0, hint: 0 },
  hiddenFindings: 0,
  ...over,
});

describe('language status item (view model)', () => {
  it('shows for mapping files as well as XML files', () => {
    assert.deepEqual([...STATUS_LANGUAGES].sort(), ['kpr-mapping', 'xml']);
  });

  it('counts persons in a fagmelding, in both languages', () => {
    assert.equal(statusView(status({}), en, 'en').text, 'KPR: fagmelding, 1,234 persons');
    assert.equal(statusView(status({ envelope: true }), nb, 'nb').text, 'KPR: fagmelding i en hodemelding, 1\u00a0234 personer');
  });

  it('counts rows, not persons, in a mapping file', () => {
    const s = status({ kind: 'mapping', records: 17, counts: { error: 1, warning: 2, information: 0, hint: 1 } });
    const v = statusView(s, en, 'en');
    assert.equal(v.text, 'KPR: mapping, 17 rows');
    assert.equal(v.severity, 'error');
    assert.equal(v.detail, '1 errors · 2 warnings · 1 notes · checked in 12 ms');
    assert.equal(statusView(s, nb, 'nb').text, 'KPR: mapping, 17 rader');
    assert.doesNotMatch(statusView(s, nb, 'nb').text, /person/);
  });

  it('says when nothing is known yet, or the document is no KPR document', () => {
    assert.deepEqual(statusView(undefined, nb, 'nb'), { text: 'KPR', detail: 'Ikke sjekket ennå', severity: 'information' });
    assert.match(statusView(status({ kind: 'other' }), en, 'en').detail, /^Not a KPR document/);
  });
});
