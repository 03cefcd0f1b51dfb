/** The Apprec listener's status bar item (client/src/views/model/listener.ts). */
import assert from 'node:assert/strict';
import { presentListeners } from '../../../client/src/views/model/listener';
import type { ListenerStateParams } from '../../../server/src/lsp/protocol';
import { en, nb } from './l10nFixture';

const states = (...s: ListenerStateParams[]) => new Map(s.map((x) => [x.env, x]));

describe('listener status (view model)', () => {
  it('is hidden while nothing is listened to', () => {
    assert.equal(presentListeners(states(), en).visible, false);
    assert.equal(presentListeners(states({ env: 'qa', state: 'stopped' }), en).visible, false);
  });

  it('names the environment and the connection in words', () => {
    const p = presentListeners(states({ env: 'qa', state: 'connected' }), en);
    assert.equal(p.text, '$(radio-tower) KPR QA: connected');
    assert.equal(p.severity, undefined);
    assert.equal(presentListeners(states({ env: 'prod', state: 'connected' }), nb).text, '$(radio-tower) KPR Produksjon: tilkoblet');
  });

  it('shows the worst of several, with the reason in the tooltip', () => {
    const p = presentListeners(
      states({ env: 'qa', state: 'connected' }, { env: 'test', state: 'reconnecting', reason: 'The connection to the service bus at tb.test.nhn.no was lost' }),
      en,
    );
    assert.equal(p.text, '$(sync~spin) KPR: 2 listeners, reconnecting');
    assert.equal(p.severity, 'warning');
    assert.match(p.tooltip, /Apprecs from Test: reconnecting – The connection to the service bus at tb\.test\.nhn\.no was lost/);
    assert.match(p.tooltip, /Apprecs from QA: connected/);
    const down = presentListeners(states({ env: 'local', state: 'disconnected', reason: 'wrong password' }), en);
    assert.equal(down.severity, 'error');
    assert.equal(down.text, '$(debug-disconnect) KPR Local receiver: disconnected');
    assert.equal(down.accessibility, 'Apprecs from Local receiver: disconnected – wrong password');
  });
});
