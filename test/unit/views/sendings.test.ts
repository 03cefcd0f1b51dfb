/**
 * The side panel's tree (client/src/views/model/sendings.ts): sendings grouped by environment, the state
 * in words and as an icon, the Apprec's errors as children, and the filter.
 */
import assert from 'node:assert/strict';
import { buildSendingTree, describeFilter, isFiltered, presentStatus, statusKind } from '../../../client/src/views/model/sendings';
import { JournalFixture } from './sendingsFixture';
import { en, nb } from './l10nFixture';

describe('sendings tree (view model)', () => {
  let fx: JournalFixture;
  const ids: Record<string, string> = {};

  before(() => {
    fx = new JournalFixture();
    ids.qaOk = fx.add({ env: 'qa', outcome: '1', file: '/data/kpr/fagmelding-2024.xml', sentAt: new Date('2025-01-10T08:00:00Z') });
    ids.qaRejected = fx.add({
      env: 'qa',
      type: 'KPR_IDE',
      outcome: '2',
      file: '/data/kpr/identmelding-2024.xml',
      sentAt: new Date('2025-01-10T09:00:00Z'),
      errors: [
        { code: 'E31', details: 'Fødselsnummer 12345678901 har feil kontrollsiffer', location: 'PasientIdent[17]' },
        { code: 'T02', details: 'Element tjTjenType is missing', rule: 'schema', location: 'PERSON[3]/TJENESTE[1]' },
      ],
    });
    ids.prodWaiting = fx.add({ env: 'prod', outcome: 'waiting', sentAt: new Date('2025-01-11T08:00:00Z') });
    ids.testTransport = fx.add({ env: 'test', outcome: 'transport-error', sentAt: new Date('2025-01-09T08:00:00Z') });
    ids.localPartly = fx.add({ env: 'local', outcome: '3', sentAt: new Date('2025-01-08T08:00:00Z') });
    ids.qaFailed = fx.add({ env: 'qa', outcome: 'failed', sentAt: new Date('2025-01-07T08:00:00Z') });
  });

  after(() => fx.dispose());

  it('groups by environment, production first, newest sending first', () => {
    const tree = buildSendingTree(fx.sendings(), en, { locale: 'en-GB' });
    assert.deepEqual(
      tree.map((g) => g.label),
      ['Production', 'QA', 'Test', 'Local receiver'],
    );
    const qa = tree.find((g) => g.env === 'qa')!;
    assert.deepEqual(
      qa.children.map((c) => c.msgId),
      [ids.qaRejected, ids.qaOk, ids.qaFailed],
    );
    assert.equal(qa.description, '3 sendings · 1 with problems');
    assert.equal(tree[0].description, '1 sending · 1 waiting');
  });

  it('says the state in words in the description, next to the type and the MsgId', () => {
    const tree = buildSendingTree(fx.sendings(), en, { locale: 'en-GB' });
    const all = tree.flatMap((g) => g.children);
    const byId = (id: string) => all.find((n) => n.msgId === id)!;
    assert.equal(byId(ids.qaOk).description, `KPR_IPL · OK · MsgId ${ids.qaOk}`);
    assert.equal(byId(ids.qaRejected).description, `KPR_IDE · Rejected · MsgId ${ids.qaRejected}`);
    assert.equal(byId(ids.prodWaiting).description, `KPR_IPL · Waiting for Apprec · MsgId ${ids.prodWaiting}`);
    assert.equal(byId(ids.testTransport).description, `KPR_IPL · Transport error · MsgId ${ids.testTransport}`);
    assert.equal(byId(ids.localPartly).description, `KPR_IPL · OK with errors · MsgId ${ids.localPartly}`);
    assert.equal(byId(ids.qaFailed).description, `KPR_IPL · Not sent · MsgId ${ids.qaFailed}`);
    assert.equal(byId(ids.qaOk).label, 'fagmelding-2024.xml · 10/01/2025, 08:00');
    assert.equal(byId(ids.qaRejected).contextValue, 'sending.rejected');
    assert.match(byId(ids.qaOk).tooltip, /State: OK/);
  });

  it('gives every state its own icon and theme colour', () => {
    const seen = new Set<string>();
    for (const state of ['sending', 'sent', 'sending-unconfirmed', 'accepted', 'accepted-with-errors', 'rejected', 'transport-error', 'failed'] as const) {
      const p = presentStatus(state, en);
      seen.add(`${p.icon}/${p.color}`);
      assert.ok(p.word.length > 0);
    }
    assert.equal(seen.size, 7, 'sending and sent are both "waiting"; every other state looks different');
    assert.deepEqual(presentStatus('accepted', en), { kind: 'ok', word: 'OK', icon: 'pass-filled', color: 'testing.iconPassed' });
    assert.deepEqual(presentStatus('rejected', en), { kind: 'rejected', word: 'Rejected', icon: 'error', color: 'errorForeground' });
    assert.equal(statusKind('sent'), 'waiting');
  });

  it('shows the Apprec\'s errors as children, with the code\'s meaning and where, person numbers masked', () => {
    const tree = buildSendingTree(fx.sendings('en'), en, { locale: 'en' });
    const rejected = tree.flatMap((g) => g.children).find((n) => n.msgId === ids.qaRejected)!;
    assert.deepEqual(
      rejected.children.map((c) => c.label),
      ["E31: The patient's national identity number is wrong", 'T02: The XML does not validate'],
    );
    assert.equal(rejected.children[1].description, 'Element tjTjenType is missing — schema @ PERSON[3]/TJENESTE[1]');
    assert.ok(!rejected.children[0].description!.includes('12345678901'), rejected.children[0].description);
    assert.match(rejected.children[0].description!, /\*{9}01/);
    assert.equal(rejected.children[0].icon, 'error');
    const transport = tree.flatMap((g) => g.children).find((n) => n.msgId === ids.testTransport)!;
    assert.equal(transport.children[0].label, 'Transport error: transport:invalid-certificate');
    const failed = tree.flatMap((g) => g.children).find((n) => n.msgId === ids.qaFailed)!;
    assert.equal(failed.children[0].label, 'Not sent: the service bus refused the password');
  });

  it('speaks Norwegian with the Norwegian bundle, code meanings included', () => {
    const tree = buildSendingTree(fx.sendings('nb'), nb, { locale: 'nb-NO' });
    assert.deepEqual(
      tree.map((g) => g.label),
      ['Produksjon', 'QA', 'Test', 'Lokal mottaker'],
    );
    const rejected = tree.flatMap((g) => g.children).find((n) => n.msgId === ids.qaRejected)!;
    assert.equal(rejected.description, `KPR_IDE · Avvist · MsgId ${ids.qaRejected}`);
    assert.equal(rejected.children[0].label, 'E31: Pasientens fødselsnummer er feil');
    assert.equal(rejected.label, 'identmelding-2024.xml · 10.01.2025, 09:00');
    assert.equal(tree.find((g) => g.env === 'qa')!.description, '3 sendinger · 1 med problemer');
  });

  it('filters by state and by environment, and says so', () => {
    const sendings = fx.sendings();
    const problems = buildSendingTree(sendings, en, { locale: 'en', filter: { states: ['rejected', 'transport-error'] } });
    assert.deepEqual(
      problems.flatMap((g) => g.children.map((c) => c.msgId)),
      [ids.qaRejected, ids.testTransport],
    );
    const qaOnly = buildSendingTree(sendings, en, { locale: 'en', filter: { envs: ['qa'], states: [] } });
    assert.deepEqual(
      qaOnly.map((g) => g.env),
      ['qa'],
    );
    assert.equal(isFiltered({ envs: [], states: [] }), false);
    assert.equal(describeFilter({ envs: ['qa'], states: ['rejected'] }, en), 'Filter: QA · Rejected');
    assert.equal(describeFilter({ envs: ['prod'] }, nb), 'Filter: Produksjon');
    assert.equal(describeFilter(undefined, en), '');
    assert.deepEqual(buildSendingTree(sendings, en, { locale: 'en', filter: { envs: ['nowhere'] } }), []);
  });
});
