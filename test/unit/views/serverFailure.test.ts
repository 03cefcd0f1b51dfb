/** One clear message when the language server fails (client/src/views/model/serverFailure.ts). */
import assert from 'node:assert/strict';
import { CRASH_WINDOW_MS, MAX_RESTARTS, ServerFailurePolicy, serverFailureMessage } from '../../../client/src/views/model/serverFailure';
import { en, nb } from './l10nFixture';

describe('language server failures (view model)', () => {
  it('a server that never came up is not restarted, and the user hears of it once', () => {
    const p = new ServerFailurePolicy();
    // A broken bundle: the connection closes, initialize fails, and start() rejects, all for one failure.
    assert.deepEqual(p.closed(0), { restart: false, notify: 'start' });
    assert.equal(p.startFailed(), undefined);
    assert.equal(p.startFailed(), undefined);
    assert.equal(p.failureShown, true);
  });

  it('a failed initialize is reported when nothing else was', () => {
    const p = new ServerFailurePolicy();
    assert.equal(p.startFailed(), 'start');
    assert.deepEqual(p.closed(0), { restart: false });
  });

  it('a server that ran is restarted until it crashes too often, then the user hears of it once', () => {
    const p = new ServerFailurePolicy();
    p.running();
    for (let i = 0; i < MAX_RESTARTS; i++) assert.deepEqual(p.closed(i * 1000), { restart: true }, `crash ${i + 1}`);
    assert.deepEqual(p.closed(MAX_RESTARTS * 1000), { restart: false, notify: 'crashes' });
    assert.equal(p.startFailed(), undefined, 'a second message for the same failure');
  });

  it('crashes far apart do not add up', () => {
    const p = new ServerFailurePolicy();
    p.running();
    for (let i = 0; i < 10; i++) assert.equal(p.closed(i * (CRASH_WINDOW_MS + 1)).restart, true);
  });

  it('speaks again after the server ran again, or the user restarted it', () => {
    const p = new ServerFailurePolicy();
    assert.equal(p.startFailed(), 'start');
    p.restartRequested();
    assert.equal(p.startFailed(), 'start');
    p.running();
    assert.equal(p.failureShown, false);
    assert.equal(p.startFailed(), 'start');
  });

  it('says it in the user\'s language, pointing at the KPR output', () => {
    assert.equal(serverFailureMessage('start', en), 'The KPR language server could not start. See the "KPR" output for details.');
    assert.equal(serverFailureMessage('start', nb), 'KPR-språktjeneren kunne ikke starte. Se utdata «KPR» for detaljer.');
    const crashes = serverFailureMessage('crashes', nb);
    assert.match(crashes, /krasjet 5 ganger på 3 minutter/);
    assert.match(crashes, /«KPR»/);
    assert.doesNotMatch(crashes, /\{\d\}/);
  });
});
