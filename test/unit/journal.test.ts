import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KprError } from '../../server/src/errors';
import { ApprecSummary, Journal, RecordSendingInput } from '../../server/src/submit/journal';

const REPO = path.resolve(__dirname, '..', '..');
const JOURNAL_MODULE = path.join(REPO, 'server', 'src', 'submit', 'journal.ts');

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sending(overrides: Partial<RecordSendingInput> = {}): RecordSendingInput {
  return {
    msgId: randomUUID(),
    file: '/data/kpr/fagmelding-2024.xml',
    sha256: sha('payload A'),
    type: 'KPR_IPL',
    env: 'test',
    toHerId: '8133973',
    ...overrides,
  };
}

function apprec(msgId: string, status: string, extra: Partial<ApprecSummary> = {}): ApprecSummary {
  const id = extra.apprecId ?? randomUUID();
  return {
    status,
    apprecId: id,
    originalMsgId: msgId,
    originalMsgType: 'KPR_IPL',
    errors: status === '1' ? [] : [{ code: 'T02', text: 'Meldingen validerer ikke' }],
    raw: `<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2012-02-15"><Id>${id}</Id><Status V="${status}"/><OriginalMsgId><Id>${msgId}</Id></OriginalMsgId></AppRec>`,
    ...extra,
  };
}

/** Runs a TypeScript snippet in a separate Node process (a second program using the same journal). */
function runChild(code: string, dir: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const script = path.join(dir, `child-${randomUUID()}.ts`);
  fs.writeFileSync(script, `import { Journal } from ${JSON.stringify(JOURNAL_MODULE)};\n${code}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('sending journal', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-journal-'));
    file = path.join(dir, 'sub', 'sendings.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has the sending on disk, in state sending, when recordSending returns', () => {
    const j = Journal.open(file);
    const input = sending();
    const entry = j.recordSending(input);
    assert.equal(entry.state, 'sending');
    // Read the file behind the journal's back: the record must already be there, whole, with its newline.
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.at(-1), '', 'the record ends with a newline');
    const rec = JSON.parse(lines[0]);
    assert.equal(rec.op, 'created');
    assert.equal(rec.msgId, input.msgId);
    assert.equal(rec.sha256, input.sha256);
    assert.equal(rec.type, 'KPR_IPL');
    assert.equal(rec.env, 'test');
    assert.equal(rec.file, input.file);
    assert.ok(!Number.isNaN(Date.parse(rec.at)));
    // Another program opening the journal now sees it.
    const other = Journal.open(file);
    assert.equal(other.get(input.msgId)?.state, 'sending');
    j.close();
    other.close();
  });

  it('follows a sending from sending to sent to accepted, and folds the same way on reopen', () => {
    const j = Journal.open(file);
    const input = sending();
    j.recordSending(input);
    assert.equal(j.markSent(input.msgId).state, 'sent');
    const a = apprec(input.msgId, '1');
    assert.equal(j.applyApprec(input.msgId, a), 'applied');
    const e = j.get(input.msgId)!;
    assert.equal(e.state, 'accepted');
    assert.ok(e.sentAt);
    assert.equal(e.apprecs.length, 1);
    assert.equal(e.apprecs[0].apprec.raw, a.raw);
    j.close();
    const reopened = Journal.open(file);
    assert.deepEqual(reopened.entries(), [e]);
    assert.deepEqual(reopened.problems, []);
    reopened.close();
  });

  it('maps Apprec status 2 to rejected and 3 to accepted-with-errors', () => {
    const j = Journal.open(file);
    const r = j.recordSending(sending({ sha256: sha('r') }));
    const w = j.recordSending(sending({ sha256: sha('w') }));
    j.applyApprec(r.msgId, apprec(r.msgId, '2'));
    j.applyApprec(w.msgId, apprec(w.msgId, '3'));
    assert.equal(j.get(r.msgId)!.state, 'rejected');
    assert.equal(j.get(w.msgId)!.state, 'accepted-with-errors');
    assert.throws(() => j.applyApprec(r.msgId, apprec(r.msgId, '7')), (e: unknown) => e instanceof KprError && /unknown status "7"/.test(e.message));
    j.close();
  });

  it('never rewrites the file: each operation only appends', () => {
    const j = Journal.open(file);
    const input = sending();
    j.recordSending(input);
    let before = fs.readFileSync(file);
    for (const step of [() => j.markSent(input.msgId), () => j.applyApprec(input.msgId, apprec(input.msgId, '1'))]) {
      step();
      const after = fs.readFileSync(file);
      assert.ok(after.length > before.length);
      assert.ok(after.subarray(0, before.length).equals(before), 'earlier bytes unchanged');
      before = after;
    }
    j.close();
  });

  it('ignores and reports a torn last line, keeps working, and keeps the next record intact', () => {
    const j = Journal.open(file);
    const first = sending();
    j.recordSending(first);
    j.close();
    // A crash in the middle of writing the second record leaves half a line and no newline.
    const torn = JSON.stringify({ v: 1, op: 'created', at: new Date().toISOString(), msgId: 'half' }).slice(0, 40);
    fs.appendFileSync(file, torn);
    const withTorn = fs.readFileSync(file);

    const reopened = Journal.open(file);
    assert.equal(reopened.problems.length, 1);
    assert.equal(reopened.problems[0].kind, 'torn');
    assert.equal(reopened.problems[0].line, 2);
    assert.deepEqual(reopened.entries().map((e) => e.msgId), [first.msgId]);

    const second = sending({ sha256: sha('payload B') });
    reopened.recordSending(second);
    reopened.markSent(second.msgId);
    assert.equal(reopened.problems.length, 1, 'the torn line is reported once');
    reopened.close();

    assert.ok(fs.readFileSync(file).subarray(0, withTorn.length).equals(withTorn), 'the torn bytes stay where they were');
    const third = Journal.open(file);
    assert.deepEqual(third.entries().map((e) => [e.msgId, e.state]), [
      [first.msgId, 'sending'],
      [second.msgId, 'sent'],
    ]);
    // The torn fragment, now sealed on its own line, is reported (not fatal) by a fresh reader.
    assert.deepEqual(third.problems.map((p) => [p.kind, p.line]), [['damaged', 2]]);
    third.close();
  });

  it('treats the same Apprec twice as a duplicate that changes nothing', () => {
    const j = Journal.open(file);
    const input = sending();
    j.recordSending(input);
    j.markSent(input.msgId);
    const a = apprec(input.msgId, '1');
    assert.equal(j.applyApprec(input.msgId, a), 'applied');
    const size = fs.statSync(file).size;
    const state = j.get(input.msgId);
    assert.equal(j.applyApprec(input.msgId, a), 'duplicate');
    // Same Apprec id, delivered again with different whitespace: still the same Apprec.
    assert.equal(j.applyApprec(input.msgId, { ...a, raw: a.raw + '\n' }), 'duplicate');
    assert.equal(fs.statSync(file).size, size, 'nothing appended');
    assert.deepEqual(j.get(input.msgId), state);
    // A duplicate seen by another program (after a restart) is still a duplicate.
    const other = Journal.open(file);
    assert.equal(other.applyApprec(input.msgId, a), 'duplicate');
    assert.equal(other.applyApprec('no-such-msgid', apprec('no-such-msgid', '1')), 'unknown');
    assert.throws(() => other.applyApprec(input.msgId, apprec('another-msgid', '1')), /refers to message another-msgid/);
    other.close();
    j.close();
  });

  it('records transport errors idempotently and lets a later Apprec still decide', () => {
    const j = Journal.open(file);
    const input = sending();
    j.recordSending(input);
    j.markSent(input.msgId);
    const te = { errorCondition: 'transport:invalid-field-value', errorDescription: 'toHerId mangler', messageId: 'err-1' };
    assert.equal(j.applyTransportError(input.msgId, te), 'applied');
    assert.equal(j.applyTransportError(input.msgId, te), 'duplicate');
    assert.equal(j.get(input.msgId)!.state, 'transport-error');
    assert.equal(j.get(input.msgId)!.transportErrors.length, 1);
    assert.equal(j.applyTransportError('unknown', te), 'unknown');
    assert.equal(j.applyApprec(input.msgId, apprec(input.msgId, '1')), 'applied');
    assert.equal(j.get(input.msgId)!.state, 'accepted');
    j.close();
  });

  it('only moves states forward: a late sent or failed after the Apprec is ignored', () => {
    const j = Journal.open(file);
    const input = sending();
    j.recordSending(input);
    j.applyApprec(input.msgId, apprec(input.msgId, '1'));
    const size = fs.statSync(file).size;
    assert.equal(j.markSent(input.msgId).state, 'accepted');
    assert.equal(j.markFailed(input.msgId, 'late').state, 'accepted');
    assert.equal(fs.statSync(file).size, size);
    const other = sending({ sha256: sha('other') });
    j.recordSending(other);
    j.markSent(other.msgId);
    const size2 = fs.statSync(file).size;
    j.markSent(other.msgId);
    assert.equal(fs.statSync(file).size, size2, 'a second markSent writes nothing');
    assert.throws(() => j.markSent('nope'), (e: unknown) => e instanceof KprError && e.key === 'journal.unknownMsgId');
    j.close();
  });

  it('refuses to send the same content to the same environment while an earlier sending awaits its Apprec, unless forced', () => {
    const now = new Date('2024-03-01T10:15:00.000Z');
    const j = Journal.open(file, { now: () => now });
    const first = j.recordSending(sending());
    const again = sending();
    let refusal: unknown;
    try {
      j.recordSending(again);
    } catch (e) {
      refusal = e;
    }
    assert.ok(refusal instanceof KprError, 'refused with a KprError');
    assert.equal(refusal.key, 'journal.resendRefused');
    assert.match(refusal.message, new RegExp(first.msgId));
    assert.match(refusal.message, /2024-03-01T10:15:00/);
    assert.match(refusal.localized('nb'), /venter fortsatt på applikasjonskvittering/);
    assert.equal(j.get(again.msgId), undefined, 'nothing recorded for the refused sending');
    assert.throws(() => j.assertMaySend('test', first.sha256), /awaiting|waiting/);

    // Still waiting once sent; another environment or other content is fine.
    j.markSent(first.msgId);
    assert.throws(() => j.assertMaySend('test', first.sha256.toUpperCase()));
    j.assertMaySend('qa', first.sha256);
    j.assertMaySend('test', sha('different'));
    assert.deepEqual(j.pending({ env: 'test', sha256: first.sha256 }).map((e) => e.msgId), [first.msgId]);

    const forced = j.recordSending({ ...again, force: true });
    assert.equal(forced.forced, true);

    // Once every earlier sending has its Apprec, sending again is allowed without force.
    j.applyApprec(first.msgId, apprec(first.msgId, '2'));
    j.applyApprec(forced.msgId, apprec(forced.msgId, '2'));
    j.assertMaySend('test', first.sha256);
    assert.deepEqual(j.pending(), []);
    assert.throws(() => j.recordSending({ ...sending(), msgId: first.msgId, sha256: sha('x') }), /already in the sending journal/);
    j.close();
  });

  it('after a crash reports an interrupted sending as unconfirmed, never resends it, and still matches a later Apprec', async () => {
    const msgId = randomUUID();
    const input = sending({ msgId });
    // A separate program records the sending and dies (SIGKILL) before it could mark it sent.
    const child = await runChild(
      `const j = Journal.open(${JSON.stringify(file)});
       j.recordSending(${JSON.stringify(input)});
       process.kill(process.pid, 'SIGKILL');`,
      dir,
    );
    assert.equal(child.signal, 'SIGKILL', child.stderr);

    const j = Journal.open(file);
    assert.equal(j.get(msgId)!.state, 'sending');
    const unconfirmed = j.reconcile();
    assert.deepEqual(unconfirmed.map((e) => [e.msgId, e.state]), [[msgId, 'sending-unconfirmed']]);
    // Reconciling again changes nothing and writes nothing.
    const size = fs.statSync(file).size;
    assert.equal(j.reconcile().length, 1);
    assert.equal(fs.statSync(file).size, size);
    // Unknown whether it went out: the same content is still refused unless forced.
    assert.throws(() => j.assertMaySend('test', input.sha256), (e: unknown) => e instanceof KprError && /sending-unconfirmed/.test(e.message));
    // The Apprec that arrives later still finds it.
    assert.equal(j.applyApprec(msgId, apprec(msgId, '1')), 'applied');
    assert.equal(j.get(msgId)!.state, 'accepted');
    assert.deepEqual(j.reconcile(), []);
    j.close();
  });

  it('does not call a sending in progress in another live instance unconfirmed, but does once that instance is gone', () => {
    const a = Journal.open(file);
    const input = sending();
    a.recordSending(input);
    const b = Journal.open(file);
    assert.deepEqual(b.reconcile(), []);
    assert.equal(b.get(input.msgId)!.state, 'sending');
    a.close(); // the instance that was sending is gone without marking it
    assert.deepEqual(b.reconcile().map((e) => e.msgId), [input.msgId]);
    b.close();
  });

  it('treats a very old sending as unconfirmed even if its process seems alive', () => {
    const a = Journal.open(file);
    const input = sending();
    a.recordSending(input);
    const later = new Date(Date.now() + 60 * 60_000);
    const b = Journal.open(file, { now: () => later });
    assert.deepEqual(b.reconcile().map((e) => e.msgId), [input.msgId]);
    a.close();
    b.close();
  });

  it('lets exactly one of several programs racing to send the same content to an environment win', async () => {
    Journal.open(file).close();
    const rounds = 25;
    const content = sha('shared payload');
    // All programs start together (after their start-up), so they really contend.
    const startAt = Date.now() + 3000;
    // Each program tries every round; the check ("does this content await an Apprec here?") and the append
    // must be one step, or two programs could both pass the check.
    const children = await Promise.all(
      [0, 1, 2, 3].map((c) =>
        runChild(
          `const j = Journal.open(${JSON.stringify(file)});
           while (Date.now() < ${startAt}) { /* spin until the common start */ }
           for (let i = 0; i < ${rounds}; i++) {
             const msgId = 'c${c}-' + i;
             try {
               j.recordSending({ msgId, file: 'f', sha256: '${content}', type: 'KPR_IDE', env: 'env' + i });
               j.markSent(msgId);
             } catch (e) {
               if ((e as { key?: string }).key !== 'journal.resendRefused') throw e;
             }
           }
           j.close();`,
          dir,
        ),
      ),
    );
    for (const c of children) assert.equal(c.code, 0, c.stderr);
    const j = Journal.open(file);
    const entries = j.entries();
    assert.equal(entries.length, rounds, 'one sending per environment');
    assert.deepEqual(new Set(entries.map((e) => e.env)).size, rounds);
    assert.ok(entries.every((e) => e.state === 'sent'));
    assert.deepEqual(j.problems, []);
    assert.equal(fs.existsSync(`${file}.lock`), false, 'no lock left behind');
    j.close();
  });

  it('breaks a lock left by a dead process, and reports a lock held by a live one', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // A pid that certainly is not running: a child that has exited.
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid!;
    await new Promise((r) => dead.on('exit', r));
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: deadPid, host: os.hostname(), at: Date.now(), token: 'x' }));
    const j = Journal.open(file, { lockTimeoutMs: 500 });
    j.recordSending(sending());
    j.close();
    assert.equal(fs.existsSync(`${file}.lock`), false);

    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now(), token: 'held' }));
    const t0 = Date.now();
    assert.throws(
      () => Journal.open(file, { lockTimeoutMs: 300 }),
      (e: unknown) => e instanceof KprError && e.key === 'journal.locked' && e.message.includes(String(process.pid)),
    );
    assert.ok(Date.now() - t0 < 3000);
    fs.unlinkSync(`${file}.lock`);
  });

  it('rejects bad input with a clear error', () => {
    const j = Journal.open(file);
    assert.throws(() => j.recordSending(sending({ sha256: 'abc' })), /sha256/);
    assert.throws(() => j.recordSending(sending({ msgId: '' })), /msgId/);
    assert.throws(() => j.recordSending(sending({ type: 'KPR_XXX' as 'KPR_IPL' })), /type KPR_XXX/);
    assert.deepEqual(j.entries(), []);
    j.close();
  });
});

describe('journal: a sending the broker may have received without confirming', () => {
  it('is recorded as sending-unconfirmed with its reason, still blocks a resend, and moves on with its Apprec', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-journal-unconf-')), 'journal.jsonl');
    const j = Journal.open(file);
    const sha = 'a'.repeat(64);
    j.recordSending({ msgId: 'm-1', file: 'fag.xml', sha256: sha, type: 'KPR_IPL', env: 'qa' });
    const e = j.markUnconfirmed('m-1', 'connection lost before the broker confirmed');
    assert.equal(e.state, 'sending-unconfirmed');
    assert.equal(e.unconfirmed?.reason, 'connection lost before the broker confirmed');
    assert.throws(() => j.assertMaySend('qa', sha, { force: false }), KprError);
    const reopened = Journal.open(file);
    assert.equal(reopened.get('m-1')?.state, 'sending-unconfirmed', 'the state survives a reopen');
    reopened.applyApprec('m-1', { status: '1', raw: '<AppRec/>' } as ApprecSummary);
    assert.equal(reopened.get('m-1')?.state, 'accepted', 'the Apprec decides');
    j.close();
    reopened.close();
  });
});
