/**
 * The detail page of a sending (client/src/views/model/apprecDetail.ts): what KPR answered in plain words,
 * the timeline, the raw XML escaped, and a page that runs nothing without its nonce and loads nothing remote.
 */
import assert from 'node:assert/strict';
import { renderSendingDetail, timeline, verdict } from '../../../client/src/views/model/apprecDetail';
import { contentSecurityPolicy, esc } from '../../../client/src/views/model/html';
import { presentStatus } from '../../../client/src/views/model/sendings';
import { en, nb } from './l10nFixture';
import { JournalFixture } from './sendingsFixture';

const PAGE = { nonce: 'n0nce-123', cspSource: 'vscode-webview://abc', lang: 'en', locale: 'en-GB', l10n: en };

describe('sending detail page (view model)', () => {
  let fx: JournalFixture;
  let rejectedId: string;
  let waitingId: string;
  before(() => {
    fx = new JournalFixture();
    rejectedId = fx.add({
      outcome: '2',
      file: '/data/kpr/fagmelding-2024.xml',
      sentAt: new Date('2025-01-10T08:00:00Z'),
      errors: [{ code: 'T02', details: 'Element <tjTjenType> mangler & må fylles ut', rule: 'schema', location: 'PERSON[3]' }],
    });
    waitingId = fx.add({ outcome: 'waiting', env: 'prod', sentAt: new Date('2025-01-11T08:00:00Z') });
  });
  after(() => fx.dispose());

  const get = (id: string, lang: 'nb' | 'en' = 'en') => fx.sendings(lang).find((s) => s.msgId === id)!;

  it('tells a rejection and what to do, with the errors in a table', () => {
    const html = renderSendingDetail(get(rejectedId), PAGE);
    assert.match(html, /<h1>fagmelding-2024\.xml <span class="status status-error" data-status="rejected">Rejected<\/span><\/h1>/);
    assert.match(html, /KPR rejected the sending\. Fix what the errors below say/);
    assert.match(html, /<td><code>T02<\/code><\/td><td>The XML does not validate<\/td><td>Element &lt;tjTjenType&gt; mangler &amp; må fylles ut<\/td><td>schema @ PERSON\[3\]<\/td>/);
    assert.match(html, /HER-id 171479/);
    for (const action of ['openFile', 'copyMsgId', 'checkAgain']) assert.ok(html.includes(`data-command="${action}"`), action);
  });

  it('shows the raw Apprec XML escaped, never as markup', () => {
    const s = get(rejectedId);
    const html = renderSendingDetail(s, PAGE);
    assert.ok(s.apprecs[0].raw.includes('<AppRec'), 'the journal holds the XML');
    assert.ok(!html.includes('<AppRec'), 'no raw tag reaches the page');
    assert.ok(html.includes(esc('<Status V="2" DN="Avvist"/>')), 'the status element is shown as text');
  });

  it('has a strict Content Security Policy: nothing remote, scripts and styles only with the nonce', () => {
    const html = renderSendingDetail(get(rejectedId), PAGE);
    const csp = contentSecurityPolicy(PAGE);
    assert.ok(html.includes(`content="${esc(csp)}"`));
    assert.match(csp, /^default-src 'none'/);
    assert.match(csp, /script-src 'nonce-n0nce-123'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    const scripts = [...html.matchAll(/<script([^>]*)>/g)];
    assert.equal(scripts.length, 1);
    assert.equal(scripts[0][1], ' nonce="n0nce-123"');
    assert.doesNotMatch(html, /\sstyle="/, 'no inline style attributes (the CSP would block them)');
    assert.doesNotMatch(html, /(src|href)="https?:/, 'no remote resources');
    assert.match(html, /var\(--vscode-errorForeground\)/, 'colours come from the theme');
  });

  it('lays out the timeline oldest first', () => {
    const events = timeline(get(rejectedId), en);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['recorded', 'sent', 'apprec'],
    );
    assert.equal(events[2].text, 'Apprec received: Rejected');
    assert.equal(events[2].tone, 'error');
    const html = renderSendingDetail(get(rejectedId), PAGE);
    assert.match(html, /<li class="error" data-kind="apprec"><span class="muted">10\/01\/2025, 08:01<\/span> — Apprec received: Rejected<\/li>/);
  });

  it('tells a waiting sending not to be resent, in Norwegian too', () => {
    const s = get(waitingId, 'nb');
    assert.equal(verdict(presentStatus(s.state, en).kind, s, en), 'No Apprec yet. KPR can take some time to answer; do not send again before the Apprec has been checked.');
    const html = renderSendingDetail(s, { ...PAGE, lang: 'nb', locale: 'nb-NO', l10n: nb });
    assert.match(html, /<html lang="nb">/);
    assert.match(html, /Venter på kvittering/);
    assert.match(html, /ikke send på nytt før kvitteringen er sjekket/);
    assert.match(html, /Produksjon/);
    assert.ok(!html.includes('Raw XML'), 'no Apprec yet, no raw section');
  });
});
