/**
 * End to end in a real VS Code: sending a year's extract to the local receiver (`kpr simulate`) over a real
 * RabbitMQ, as the documentation's rehearsal describes it (docs/simulator.md): the analyst points
 * `kpr.configFile` at the simulator's configuration, runs "KPR: Submit to Local Receiver", types the
 * passwords when asked, and follows the sendings and their Apprecs in the KPR side panel.
 *
 * The simulator answers after a delay, so "waiting for the Apprec" is a state the panel really shows, and a
 * broker restart can happen while a sending waits.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TreeRow, useSession, VsCodeSession, waitUntil } from './harness';
import { LocalReceiver, SimulatorSecrets } from './localKpr';
import { nls, submissionInEditor, SUBMIT_LOCAL } from './preconditions';
import { createE2eWorkspace, E2eWorkspace } from './workspace';

/** Seconds the simulator waits before each Apprec. */
const APPREC_DELAY_S = 6;
const VIEW = nls('%view.sendings%');
const SECRET_TITLES: Record<string, keyof SimulatorSecrets> = {
  'The AMQP password for the service bus': 'amqpPassword',
  'The passphrase of the signing PKCS#12 file': 'signP12Passphrase',
  'The passphrase of the decryption PKCS#12 file': 'decryptP12Passphrase',
};

interface Sent {
  /** The MsgIds of the new sendings, as the side panel lists them. */
  msgIds: string[];
  ticked: string[];
  asked: string[];
  dialogs: string[];
  /** The "Sent to …" confirmations seen as toasts while sending (an earlier sending's may still be among them). */
  confirmations: string[];
}

const rowFor = (rows: TreeRow[], msgId: string) => rows.filter((r) => r.description.includes(`MsgId ${msgId}`));
const msgIdsIn = (rows: TreeRow[]) => rows.flatMap((r) => [...r.description.matchAll(/MsgId ([0-9a-f-]{36})/g)].map((m) => m[1]));

/**
 * Runs "KPR: Submit to Local Receiver" on the pair of `fag` and answers what VS Code asks on the way (the
 * files to send, a password box, a warning dialog when `sendDespiteWarnings`), until the side panel lists
 * the two new sendings.
 */
async function submitLocal(s: VsCodeSession, fag: string, secrets: SimulatorSecrets, sendDespiteWarnings = false): Promise<Sent> {
  await s.openView(VIEW);
  const before = new Set(msgIdsIn((await s.treeView(VIEW))?.rows ?? []));
  await s.openFile(fag);
  await s.runCommand(SUBMIT_LOCAL);
  const ticked = await s.acceptQuickPick(/^KPR: choose what to send to Local receiver/);
  const asked: string[] = [];
  const dialogs: string[] = [];
  const confirmations = new Set<string>();
  for (;;) {
    const next = await waitUntil(
      async () => {
        const toasts = await s.notifications('toasts');
        for (const n of toasts) if (/^Sent to Local receiver: /.test(n.message)) confirmations.add(n.message);
        const failed = toasts.find((n) => n.severity === 'error' && /KPR/.test(n.message + n.source));
        if (failed) return { kind: 'failed' as const, text: failed.message };
        const d = await s.dialog();
        if (d) return { kind: 'dialog' as const, text: d.message };
        const q = await s.quickInputState();
        if (q && SECRET_TITLES[q.title]) return { kind: 'secret' as const, text: q.title };
        const fresh = [...new Set(msgIdsIn((await s.treeView(VIEW))?.rows ?? []))].filter((id) => !before.has(id));
        if (fresh.length >= 2) return { kind: 'listed' as const, text: '', ids: fresh };
        return undefined;
      },
      120_000,
      () => 'VS Code neither listed the new sendings in the side panel nor asked for anything within 120 s',
      250,
    );
    if (next.kind === 'listed') return { msgIds: next.ids!, ticked, asked, dialogs, confirmations: [...confirmations] };
    if (next.kind === 'failed') throw new Error(`the sending failed: ${next.text}`);
    if (next.kind === 'dialog') {
      dialogs.push(next.text);
      if (!sendDespiteWarnings) throw new Error(`unexpected dialog: ${next.text}`);
      await s.answerDialog('Send Anyway');
      continue;
    }
    asked.push(next.text);
    await s.answerInputBox(next.text, secrets[SECRET_TITLES[next.text]]);
  }
}

/**
 * The "Sent to Local receiver: …" confirmation of this sending, as a toast: seen while sending, or shown a
 * moment after the side panel listed the sendings. It must name every new MsgId, so the confirmation of an
 * earlier sending does not count. (A later sending's once went unseen: VS Code dropped it to the
 * notification centre as the fourth toast within 800 ms, after the pre-flight's and two sending progress
 * notifications.)
 */
async function confirmationOf(s: VsCodeSession, sent: Sent): Promise<string> {
  const names = (m: string) => /^Sent to Local receiver: /.test(m) && sent.msgIds.every((id) => m.includes(`MsgId ${id}`));
  const seen = sent.confirmations.find(names);
  if (seen) return seen;
  let shown: string[] = [];
  const toast = await waitUntil(
    async () => {
      const toasts = await s.notifications('toasts');
      shown = toasts.map((n) => n.message);
      return toasts.find((n) => names(n.message));
    },
    15_000,
    () => `no "Sent to Local receiver" toast names ${sent.msgIds.join(' and ')}; toasts: ${shown.join(' | ') || 'none'}`,
    250,
  );
  return toast.message;
}

describe('e2e: sending to the local receiver in VS Code', function () {
  let ws: E2eWorkspace;
  let receiver: LocalReceiver | undefined;
  let skipReason: string | undefined;

  const session = useSession(async () => {
    ws = createE2eWorkspace();
    skipReason = submissionInEditor();
    if (!skipReason) receiver = await LocalReceiver.start(ws.root, APPREC_DELAY_S);
    return {
      name: 'submission',
      workspace: ws.root,
      open: [ws.clean.fag],
      settings: {
        // The documented rehearsal: the simulator's configuration, environment local.
        'kpr.configFile': '.kpr/simulator/kpr.config.json',
        // This municipality has turned the org-number check down to a warning; KPR's own check has not.
        'kpr.rules.severity': { 'org-number-invalid': 'warning' },
        // The message trace, with whole requests (the secrets of kpr/submit among them), at the log's default level.
        'kpr.trace.server': 'verbose',
      },
    };
  });
  before(async function () {
    if (skipReason) return;
    // A wide side panel, so the states in words are readable in the screenshots.
    await session().openView(VIEW);
    await session().resizeSideBar(620);
  });
  beforeEach(function () {
    if (skipReason) {
      console.log(`      pending: ${skipReason}`);
      this.skip();
    }
  });
  after(async function () {
    this.timeout(120_000);
    const s = (() => {
      try {
        return session();
      } catch {
        return undefined;
      }
    })();
    if (receiver && s) fs.writeFileSync(path.join(s.artefacts, 'simulator-console.log'), receiver.log());
    await receiver?.stop();
    ws?.dispose();
  });

  it('04: "KPR: Submit to Local Receiver" sends a clean pair; the side panel shows both waiting, then both OK', async function () {
    const s = session();
    const sent = await submitLocal(s, ws.clean.fag, receiver!.secrets());
    assert.deepEqual(sent.ticked.sort(), [path.basename(ws.clean.fag), path.basename(ws.clean.ide)].sort(), 'the pick did not tick the open file and its pair');
    assert.deepEqual(sent.asked.sort(), Object.keys(SECRET_TITLES).sort(), 'VS Code did not ask for each secret once');
    assert.equal(sent.msgIds.length, 2, 'the side panel does not list two new sendings');
    // The confirmation may come a moment after the side panel has listed the sendings.
    await confirmationOf(s, sent);

    await s.waitForTree(VIEW, (rows) => sent.msgIds.every((id) => rowFor(rows, id).some((r) => / · Waiting for Apprec · /.test(r.description))), 'two sendings waiting');
    await s.screenshot('04-submit-waiting');

    // kpr.trace.server shows the requests in the "KPR" output, masked: no secret and no person number in it.
    const log = await waitUntil(
      async () => (/Sending request 'kpr\/submit - \(\d+\)'/.test(s.extensionLog()) ? s.extensionLog() : undefined),
      15_000,
      () => 'kpr.trace.server "verbose" wrote no trace of kpr/submit to the "KPR" output',
    );
    assert.match(log, /Params: \{/, 'the verbose trace has no request parameters');
    for (const [name, value] of Object.entries(receiver!.secrets())) assert.ok(!log.includes(value), `the trace shows the ${name}`);
    assert.doesNotMatch(log, /(?<![0-9])[0-9]{11}(?![0-9])/, 'the "KPR" output shows an 11-digit person number');
    const rows = await s.waitForTree(VIEW, (r) => sent.msgIds.every((id) => rowFor(r, id).some((x) => / · OK · /.test(x.description))), 'both sendings OK', 90_000);
    for (const id of sent.msgIds) assert.equal(rowFor(rows, id).length, 1, `MsgId ${id} is listed more than once`);
    const labels = sent.msgIds.map((id) => rowFor(rows, id)[0].label.split(' · ')[0]).sort();
    assert.deepEqual(labels, [path.basename(ws.clean.fag), path.basename(ws.clean.ide)].sort());
    assert.ok(rows.some((r) => r.level === 1 && r.label === 'Local receiver'), 'the sendings are not grouped under "Local receiver"');
    await s.screenshot('04-submit-ok');
    await s.runCommand('Notifications: Show Notifications');
    const center = await s.notifications('center');
    await s.runCommand('Notifications: Hide Notifications');
    for (const [type, file] of [['KPR_IPL', ws.clean.fag], ['KPR_IDE', ws.clean.ide]]) {
      assert.ok(
        center.some((n) => n.message.startsWith(`Apprec for ${type} (${path.basename(file)}) to `) && n.message.includes('OK – accepted')),
        `no notification announced the Apprec for ${file}; shown: ${center.map((n) => n.message).join(' | ')}`,
      );
    }
  });

  it('05: a pair with a rule error KPR finds: the panel shows "OK with errors" and the Apprec\'s errors', async function () {
    const s = session();
    const sent = await submitLocal(s, ws.findings.fag, receiver!.secrets(), true);
    assert.equal(sent.dialogs.length, 1, 'VS Code did not ask about the warning before sending');
    assert.match(sent.dialogs[0], /found 1 warnings?\. Send anyway\?/);
    // The second sending of the session is confirmed like the first (it once showed nothing).
    await confirmationOf(s, sent);
    const rows = await s.waitForTree(
      VIEW,
      (r) => sent.msgIds.every((id) => rowFor(r, id).some((x) => / · (OK|OK with errors|Rejected) · /.test(x.description))),
      'both Apprecs',
      90_000,
    );
    const fagRow = sent.msgIds.map((id) => rowFor(rows, id)[0]).find((r) => r.label.startsWith(path.basename(ws.findings.fag)))!;
    const ideRow = sent.msgIds.map((id) => rowFor(rows, id)[0]).find((r) => r.label.startsWith(path.basename(ws.findings.ide)))!;
    assert.match(fagRow.description, /^KPR_IPL · OK with errors · /);
    assert.match(ideRow.description, /^KPR_IDE · OK · /);

    await s.expandTreeRow(VIEW, (r) => r.description === fagRow.description);
    const expanded = await s.waitForTree(VIEW, (r) => r.some((x) => /^X99/.test(x.label)), "the Apprec's errors under the fagmelding");
    const errors = expanded.filter((x) => /^X99/.test(x.label));
    assert.equal(errors.length, 1, `expected one Apprec error, got:\n${errors.map((e) => `${e.label} ${e.description}`).join('\n')}`);
    const shown = `${errors[0].label} ${errors[0].description}`;
    assert.match(shown, /org-number-invalid/);
    assert.match(shown, new RegExp(ws.findings.badOrgNumber));
    // Where KPR found it: the rule and a line:column (counted in the payload KPR received, see the report).
    assert.match(shown, /org-number-invalid @ \d+:20\b/);
    await s.screenshot('05-ok-with-errors');
  });

  it('06: the broker stops while a sending waits and starts again: the Apprec still arrives and is shown once', async function () {
    const s = session();
    const sent = await submitLocal(s, ws.restart.fag, receiver!.secrets());
    await s.waitForTree(VIEW, (rows) => sent.msgIds.every((id) => rowFor(rows, id).some((r) => / · Waiting for Apprec · /.test(r.description))), 'two sendings waiting');
    // The third sending of the session is confirmed too.
    await confirmationOf(s, sent);
    await receiver!.broker.stop();
    await s.screenshot('06-broker-stopped');
    await receiver!.broker.restart();
    const rows = await s.waitForTree(VIEW, (r) => sent.msgIds.every((id) => rowFor(r, id).some((x) => / · OK · /.test(x.description))), 'both sendings OK after the restart', 180_000);
    for (const id of sent.msgIds) assert.equal(rowFor(rows, id).length, 1, `MsgId ${id} is listed more than once`);
    await s.screenshot('06-after-restart');

    // Each Apprec was taken in once (a redelivery is recognised as the same Apprec) and announced once.
    const log = s.extensionLog();
    for (const id of sent.msgIds) {
      // The server's own log lines only: the message trace (kpr.trace.server) quotes them once more.
      const applied = log.split('\n').filter((l) => /^\S+ \S+ \[\w+\] receiver: Apprec /.test(l) && l.includes(` for ${id}: `) && l.includes('(applied)'));
      assert.equal(applied.length, 1, `the Apprec for MsgId ${id} was applied ${applied.length} times`);
    }
    await s.runCommand('Notifications: Show Notifications');
    const center = await s.notifications('center');
    await s.runCommand('Notifications: Hide Notifications');
    for (const file of [ws.restart.fag, ws.restart.ide]) {
      const announced = center.filter((n) => n.message.startsWith('Apprec for ') && n.message.includes(`(${path.basename(file)})`));
      assert.equal(announced.length, 1, `the Apprec for ${file} was announced ${announced.length} times:\n${announced.map((n) => n.message).join('\n')}`);
      assert.match(announced[0].message, /OK – accepted/);
    }
  });
});
