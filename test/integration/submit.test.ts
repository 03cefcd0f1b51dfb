/**
 * The submission engine end to end, against a real RabbitMQ broker (AMQP 1.0, NHN's address forms) and a
 * throwaway test PKI. KPR's side is scripted here: it takes the sendings off KPR's queue, decrypts them with
 * KPR's test key, verifies the municipality's signature, and answers with an Apprec signed and encrypted
 * back to the sending's reply_to queue, exactly as the real receiver would.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import { CliIO } from '../../server/src/cli/io';
import { KprError } from '../../server/src/errors';
import { ApprecStatusCode, buildApprec } from '../../server/src/submit/apprec';
import { KprConfig, loadConfig, withSecrets } from '../../server/src/submit/config';
import { decryptAndVerify, signAndEncrypt } from '../../server/src/submit/crypto/cms';
import { AWAITING_APPREC, Journal } from '../../server/src/submit/journal';
import { msgHeadPayload, MsgHeadInfo, readMsgHead } from '../../server/src/submit/msghead';
import { ApprecListener, ListenerEvent } from '../../server/src/submit/receiver';
import { ContextualError, Submitter, SubmitProgress } from '../../server/src/submit/submitter';
import { BusConnection } from '../../server/src/submit/transport/bus';
import { buildBusMessage, IncomingBusMessage, NHN_CONTENT_TYPE } from '../../server/src/submit/transport/message';
import { ApprecTimeoutError, waitForApprec } from '../../server/src/submit/waitForApprec';
import { generateExtract, serializeFagmelding, serializeIdentmelding } from '../fixtures/generator';
import { createTestPki, TestPki } from '../support/pki';
import { Broker, startBroker } from '../support/rabbitmq';

const REPO = path.resolve(__dirname, '..', '..');
const KPR_HER = '8133973';
const MUNI_HER = '1110001';
const SERVICE_HER = '1110002';
const FAST_RECONNECT = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.2 };

/** Waits for `pred` over a growing list, without sleeping a fixed time: woken by every push. */
class Inbox<T> {
  readonly items: T[] = [];
  private waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) w();
  }

  waitFor(pred: (items: T[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    if (pred(this.items)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(this.items)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; have ${this.items.length}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}

/** KPR's side of the bus: receives on KPR's queue, opens sendings, answers with Apprecs. */
class ScriptedKpr {
  readonly inbox = new Inbox<IncomingBusMessage>();
  private constructor(
    readonly bus: BusConnection,
    private readonly pki: TestPki,
  ) {}

  static async start(broker: Broker, password: string, pki: TestPki): Promise<ScriptedKpr> {
    const bus = await BusConnection.connect({ url: broker.url, password, reconnect: FAST_RECONNECT, redeliveryDelayMs: 50 });
    const kpr = new ScriptedKpr(bus, pki);
    await bus.receive(`${KPR_HER}_async`, async (m) => kpr.inbox.push(m));
    return kpr;
  }

  /** Decrypts with KPR's key, verifies the municipality's signature, reads the Hodemelding. */
  open(m: IncomingBusMessage): { head: MsgHeadInfo; xml: string; payload: string } {
    const v = decryptAndVerify(m.body, this.pki.kprEncryption, { expectedSigner: this.pki.municipalitySigning.cert });
    const xml = v.content.toString('utf8');
    const head = readMsgHead(xml);
    return { head, xml, payload: msgHeadPayload(xml, head) ?? '' };
  }

  /** The encrypted Apprec for a sending, signed by `signer` (KPR's signing identity unless a test says otherwise). */
  apprecFor(m: IncomingBusMessage, status: ApprecStatusCode, opts: { errors?: Array<{ code: string; details?: string }>; signer?: TestPki['kprSigning'] } = {}): Buffer {
    const { head } = this.open(m);
    const xml = buildApprec({
      status,
      errors: opts.errors,
      original: { msgType: head.type, issueDate: head.genDate, id: head.msgId },
      sender: { name: 'KPR testmottak', herId: KPR_HER },
      receiver: { name: 'Øvre Testdal kommune', herId: MUNI_HER, service: { name: 'Saksbehandling', herId: SERVICE_HER } },
    });
    const s = opts.signer ?? this.pki.kprSigning;
    return signAndEncrypt(Buffer.from(xml, 'utf8'), { cert: s.cert, key: s.key, chain: s.chain }, this.pki.municipalityEncryption.cert);
  }

  /** Sends an Apprec body to the sending's reply_to queue, as one AMQP message with NHN's properties. */
  async reply(m: IncomingBusMessage, body: Buffer, messageId = randomUUID()): Promise<void> {
    assert.ok(m.replyTo, 'the sending names its reply_to queue');
    await this.bus.send(
      m.replyTo!,
      buildBusMessage({ msgId: messageId, type: 'APPREC', fromHerId: KPR_HER, toHerId: SERVICE_HER, toQueue: m.replyTo!, replyToQueue: `${KPR_HER}_async`, body, now: new Date() }),
    );
  }
}

function captureIO(env: NodeJS.ProcessEnv = {}): CliIO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let errText = '';
  return {
    out: (s) => void (out += s),
    err: (s) => void (errText += s),
    env: { LANG: 'en_US.UTF-8', ...env },
    stdout: () => out,
    stderr: () => errText,
  };
}

describe('submission engine against a real broker (integration)', function () {
  this.timeout(180_000);
  let dir: string;
  let pki: TestPki;
  let broker: Broker;
  let password: string;
  let configFile: string;
  let config: KprConfig;
  let journal: Journal;
  let submitter: Submitter;
  let listener: ApprecListener;
  let kpr: ScriptedKpr;
  const events = new Inbox<ListenerEvent>();
  let seed = 100;

  /** A fresh fagmelding/identmelding pair on disk (new content every call). */
  function writePair(persons = 12): { fag: string; ide: string } {
    const s = seed++;
    const model = generateExtract({ seed: s, persons, year: 2023 });
    const fag = path.join(dir, `fagmelding-${s}.xml`);
    const ide = path.join(dir, `identmelding-${s}.xml`);
    fs.writeFileSync(fag, serializeFagmelding(model));
    fs.writeFileSync(ide, serializeIdentmelding(model));
    return { fag, ide };
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-submit-'));
    pki = createTestPki(dir);
    password = randomBytes(12).toString('base64url');
    broker = await startBroker({ herIds: [SERVICE_HER, KPR_HER], password });
    configFile = path.join(dir, 'kpr.config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify(
        {
          environment: 'local',
          municipality: { name: 'Øvre Testdal kommune', orgNumber: '910000004', herId: MUNI_HER, serviceHerId: SERVICE_HER },
          amqp: { user: broker.user },
          certificates: {
            signingP12: pki.municipalitySigning.p12Path,
            decryptionP12: pki.municipalityEncryption.p12Path,
            kpr: { local: { encryptionCert: pki.kprEncryption.certPath, signingCert: pki.kprSigning.certPath } },
          },
          environments: { local: { busUrl: `amqp://127.0.0.1:${broker.port}/${broker.exchange}` } },
          journalPath: 'journal/sendings.jsonl',
        },
        null,
        2,
      ),
    );
    config = loadConfig(configFile, {
      env: { KPR_AMQP_PASSWORD: password, KPR_SIGN_P12_PASSPHRASE: pki.passphrase, KPR_DECRYPT_P12_PASSPHRASE: pki.passphrase },
    });
    journal = Journal.open(config.journalPath);
    submitter = new Submitter(config, { journal, busOptions: { reconnect: FAST_RECONNECT, sendTimeoutMs: 120_000 } });
    kpr = await ScriptedKpr.start(broker, password, pki);
    listener = new ApprecListener(config, { journal, bus: await submitter.connection('local') });
    listener.on((e) => events.push(e));
    await listener.start();
  });

  after(async () => {
    await listener?.stop().catch(() => undefined);
    await submitter?.close().catch(() => undefined);
    journal?.close();
    await kpr?.bus.close().catch(() => undefined);
    await broker?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  let pair: { fag: string; ide: string };
  let iplMsg: IncomingBusMessage;
  let ideMsg: IncomingBusMessage;
  let iplId: string;
  let ideId: string;

  it('sends a fagmelding and an identmelding as two messages with NHN’s properties', async () => {
    pair = writePair();
    const phases: SubmitProgress[] = [];
    const before = kpr.inbox.items.length;
    const result = await submitter.submit([pair.ide, pair.fag], { env: 'local', onProgress: (e) => phases.push(e) });
    assert.ok(result.ok, JSON.stringify(result.sendings.map((s) => [s.state, s.error?.message])));
    assert.deepEqual(result.sendings.map((s) => s.type), ['KPR_IPL', 'KPR_IDE'], 'fagmelding first, then identmelding');
    [iplId, ideId] = result.sendings.map((s) => s.msgId!);
    assert.notEqual(iplId, ideId);

    // Progress: recorded before sending, cancellable until the send starts.
    const ipl = phases.filter((p) => p.msgId === iplId).map((p) => `${p.phase}:${p.cancellable}`);
    assert.deepEqual(ipl, ['recorded:true', 'sending:false', 'sent:false']);

    await kpr.inbox.waitFor((m) => m.length >= before + 2, 20_000, 'two messages on KPR’s queue');
    [iplMsg, ideMsg] = kpr.inbox.items.slice(before);
    for (const [m, id, type, file] of [
      [iplMsg, iplId, 'KPR_IPL', pair.fag],
      [ideMsg, ideId, 'KPR_IDE', pair.ide],
    ] as const) {
      assert.equal(m.messageId, id);
      assert.equal(m.correlationId, id);
      assert.equal(m.subject, type);
      assert.equal(m.to, `${KPR_HER}_async`);
      assert.equal(m.replyTo, `${SERVICE_HER}_async`);
      assert.equal(m.contentType, NHN_CONTENT_TYPE);
      assert.equal(m.applicationProperties.fromHerId, SERVICE_HER);
      assert.equal(m.applicationProperties.toHerId, KPR_HER);
      assert.match(String(m.applicationProperties.applicationTimeStamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const opened = kpr.open(m);
      assert.equal(opened.head.msgId, id);
      assert.equal(opened.head.type, type);
      assert.equal(opened.head.sender.herId, MUNI_HER);
      assert.equal(opened.head.sender.service?.herId, SERVICE_HER);
      assert.equal(opened.head.receiver.herId, KPR_HER);
      // The payload travels unchanged (the file's XML declaration aside).
      assert.equal(opened.payload, fs.readFileSync(file, 'utf8').replace(/^<\?xml[^>]*\?>\s*/, '').trimEnd());
    }
    assert.deepEqual(
      [journal.get(iplId)!.state, journal.get(ideId)!.state],
      ['sent', 'sent'],
    );
  });

  it('applies KPR’s Apprec (accepted), once, even when it is delivered twice; kpr status shows it', async () => {
    const apprecBody = kpr.apprecFor(iplMsg, '1');
    const amqpId = randomUUID();
    const from = events.items.length;
    // The same receipt twice, as an at-least-once bus may deliver it.
    await kpr.reply(iplMsg, apprecBody, amqpId);
    await kpr.reply(iplMsg, apprecBody, amqpId);
    await events.waitFor((e) => e.slice(from).filter((x) => x.kind === 'apprec' && x.msgId === iplId).length >= 2, 20_000, 'two Apprec events');
    const seen = events.items.slice(from).filter((x): x is Extract<ListenerEvent, { kind: 'apprec' }> => x.kind === 'apprec' && x.msgId === iplId);
    assert.deepEqual(seen.map((e) => e.result), ['applied', 'duplicate']);
    assert.equal(seen[0].previousState, 'sent');
    assert.equal(seen[0].entry.state, 'accepted');
    assert.equal(seen[0].signer.trusted, true, 'KPR’s signing certificate is configured');
    const entry = journal.get(iplId)!;
    assert.equal(entry.state, 'accepted');
    assert.equal(entry.apprecs.length, 1, 'the second delivery changed nothing');

    const io = captureIO({ KPR_CONFIG: configFile });
    assert.equal(await main(['status', '--format', 'json'], io), 0, io.stderr());
    const status = JSON.parse(io.stdout());
    const row = status.sendings.find((s: { msgId: string }) => s.msgId === iplId);
    assert.equal(row.state, 'accepted');
    assert.equal(row.apprecs[0].status, '1');
    const text = captureIO({ KPR_CONFIG: configFile });
    assert.equal(await main(['status'], text), 0);
    const line = text.stdout().split('\n').find((l) => l.includes(iplId));
    assert.ok(line, text.stdout());
    assert.match(line!, /local\s+KPR_IPL\s+fagmelding-\d+\.xml\s+\S+\s+accepted\s+1 OK/);
  });

  it('puts a transport error from the _error queue on the right sending', async () => {
    const from = events.items.length;
    await kpr.bus.send(`${SERVICE_HER}_error`, {
      messageId: randomUUID(),
      body: Buffer.alloc(0),
      applicationProperties: {
        originalMessageId: ideId,
        errorCondition: 'transport:invalid-certificate',
        errorDescription: 'Certificate has been revoked',
      },
    });
    await events.waitFor((e) => e.slice(from).some((x) => x.kind === 'transport-error'), 20_000, 'a transport-error event');
    const ev = events.items.slice(from).find((x) => x.kind === 'transport-error') as Extract<ListenerEvent, { kind: 'transport-error' }>;
    assert.equal(ev.msgId, ideId);
    assert.equal(ev.result, 'applied');
    assert.equal(journal.get(ideId)!.state, 'transport-error');
    assert.equal(journal.get(ideId)!.transportErrors[0].error.errorCondition, 'transport:invalid-certificate');
    assert.equal(journal.get(iplId)!.state, 'accepted', 'the other sending is untouched');
  });

  it('refuses to resend the same content while it awaits its Apprec; --force sends it anew with a new MsgId', async () => {
    const { fag } = writePair();
    const first = await submitter.submit([fag], { env: 'local' });
    assert.ok(first.ok);
    const firstId = first.sendings[0].msgId!;
    const entriesBefore = journal.entries().length;

    await assert.rejects(
      submitter.submit([fag], { env: 'local' }),
      (e: unknown) => e instanceof KprError && e.key === 'journal.resendRefused' && e.message.includes(firstId),
    );
    assert.equal(journal.entries().length, entriesBefore, 'nothing recorded for the refused resend');

    const before = kpr.inbox.items.length;
    const forced = await submitter.submit([fag], { env: 'local', force: true });
    assert.ok(forced.ok);
    const forcedId = forced.sendings[0].msgId!;
    assert.notEqual(forcedId, firstId, 'a forced resend is a new sending');
    const entry = journal.get(forcedId)!;
    assert.equal(entry.forced, true);
    assert.equal(entry.sha256, journal.get(firstId)!.sha256);
    await kpr.inbox.waitFor((m) => m.length > before, 20_000, 'the forced sending');
    assert.equal(kpr.inbox.items[before].messageId, forcedId);
  });

  it('keeps the MsgId when a send is retried after the broker died mid-send, and journals it once', async () => {
    const { fag } = writePair();
    const before = kpr.inbox.items.length;
    const bus = await submitter.connection('local');
    const timeline: string[] = [];
    const off = bus.onState((e) => timeline.push(e.state));
    let crash: Promise<void> | undefined;
    const result = await submitter.submit([fag], {
      env: 'local',
      onProgress: (e) => {
        timeline.push(e.phase);
        // The send starts right after this event: the broker is killed (SIGKILL goes out synchronously) under
        // it, so the broker cannot have accepted the message before the crash; then it comes back.
        if (e.phase === 'sending') crash = broker.kill().then(() => broker.restart());
      },
    });
    await crash;
    off();
    assert.ok(
      timeline.indexOf('reconnecting') > timeline.indexOf('sending') && timeline.indexOf('sent') > timeline.lastIndexOf('connected'),
      `the send completed only after a reconnect: ${timeline.join(' → ')}`,
    );
    assert.ok(result.ok, JSON.stringify(result.sendings.map((s) => s.error?.message)));
    const msgId = result.sendings[0].msgId!;
    const sha = journal.get(msgId)!.sha256;
    assert.deepEqual(
      journal.entries().filter((e) => e.sha256 === sha).map((e) => [e.msgId, e.state]),
      [[msgId, 'sent']],
      'one journal entry, sent',
    );
    await kpr.inbox.waitFor((m) => m.slice(before).some((x) => x.messageId === msgId), 60_000, 'the retried sending on KPR’s queue');
    // At least once: a copy may arrive twice, but only ever under the same MsgId. (Earlier tests' messages may
    // be redelivered to KPR after the crash too: the broker had not persisted their acknowledgement.)
    const payload = fs.readFileSync(fag, 'utf8').replace(/^<\?xml[^>]*\?>\s*/, '').trimEnd();
    const copies = kpr.inbox.items.slice(before).filter((m) => kpr.open(m).payload === payload);
    assert.ok(copies.length >= 1);
    assert.ok(copies.every((m) => m.messageId === msgId && kpr.open(m).head.msgId === msgId), JSON.stringify(copies.map((m) => m.messageId)));
  });

  it('keeps a send the broker never confirmed on record as possibly sent, and refuses to send it again blindly', async () => {
    const { fag } = writePair();
    const impatient = new Submitter(config, { journal, busOptions: { reconnect: FAST_RECONNECT, sendTimeoutMs: 3000 } });
    // A first sending opens the link to KPR's queue, so the next one is handed to the broker at once.
    assert.ok((await impatient.submit([writePair().fag], { env: 'local' })).ok);
    let down: Promise<void> | undefined;
    try {
      const result = await impatient.submit([fag], {
        env: 'local',
        onProgress: (e) => {
          if (e.phase === 'sending') down = broker.kill();
        },
      });
      await down;
      const o = result.sendings[0];
      assert.equal(result.ok, false);
      assert.equal(o.state, 'unconfirmed', `${o.error?.key}: ${o.error?.message}`);
      assert.equal(o.error?.key, 'bus.sendTimeout.unknown');
      assert.match(o.error!.message, /unknown whether it arrived\. Wait for the Apprec before sending again/);
      const state = journal.get(o.msgId!)!.state;
      assert.ok(AWAITING_APPREC.includes(state), `still awaiting its Apprec, not failed: ${state}`);
      await assert.rejects(impatient.submit([fag], { env: 'local' }), (e: unknown) => e instanceof KprError && e.key === 'journal.resendRefused');
    } finally {
      await impatient.close();
      await broker.restart();
    }
  });

  it('reconciles a sending whose process crashed before the send, and does not send it again by itself', async () => {
    const { fag } = writePair();
    const script = path.join(dir, `crash-${randomUUID()}.ts`);
    const src = (f: string) => JSON.stringify(path.join(REPO, 'server', 'src', 'submit', f));
    fs.writeFileSync(
      script,
      [
        `import { loadConfig } from ${src('config.ts')};`,
        `import { Submitter } from ${src('submitter.ts')};`,
        `const config = loadConfig(process.argv[2], { env: process.env });`,
        // The process dies the moment its sending is recorded and about to go out: a power cut, a kill -9.
        `void new Submitter(config).submit([process.argv[3]], { env: 'local', onProgress: (e) => { if (e.phase === 'sending') process.kill(process.pid, 'SIGKILL'); } });`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script, configFile, fag], {
      cwd: REPO,
      env: { ...process.env, KPR_AMQP_PASSWORD: password, KPR_SIGN_P12_PASSPHRASE: pki.passphrase },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGKILL', stderr);

    const left = journal.entries().filter((e) => e.file === fag);
    assert.equal(left.length, 1, 'the sending was on record before it was to go out');
    assert.equal(left[0].state, 'sending');
    await assert.rejects(
      submitter.submit([fag], { env: 'local' }),
      (e: unknown) => e instanceof KprError && e.key === 'journal.resendRefused' && /sending-unconfirmed/.test(e.message),
    );
    assert.equal(journal.get(left[0].msgId)!.state, 'sending-unconfirmed');
    assert.equal(journal.entries().filter((e) => e.file === fag).length, 1, 'and it was not sent again');
  });

  it('can be cancelled until a message is handed to the bus, and says what became of each sending', async () => {
    const early = new AbortController();
    early.abort();
    const entries = journal.entries().length;
    await assert.rejects(submitter.submit([writePair().fag], { env: 'local', signal: early.signal }), (e: unknown) => e instanceof KprError && e.key === 'submit.cancelled');
    assert.equal(journal.entries().length, entries, 'cancelled before anything was recorded');

    // Cancelled once the fagmelding is recorded: it is marked failed (never handed over), the identmelding untouched.
    const { fag, ide } = writePair();
    const late = new AbortController();
    const before = kpr.inbox.items.length;
    const result = await submitter.submit([fag, ide], {
      env: 'local',
      signal: late.signal,
      onProgress: (e) => {
        if (e.phase === 'recorded') late.abort();
      },
    });
    assert.deepEqual(result.sendings.map((s) => [s.type, s.state]), [['KPR_IPL', 'cancelled'], ['KPR_IDE', 'cancelled']]);
    const ipl = journal.get(result.sendings[0].msgId!)!;
    assert.equal(ipl.state, 'failed');
    assert.match(ipl.failure!.reason, /cancelled by the user before the send started/);
    assert.equal(result.sendings[1].msgId, undefined, 'the identmelding was never recorded');
    assert.equal(kpr.inbox.items.length, before, 'nothing reached KPR');
    // Not waiting for an Apprec, so the same files may be sent again.
    const again = await submitter.submit([fag, ide], { env: 'local' });
    assert.ok(again.ok);
  });

  it('ends a wait for an Apprec that never comes with a message saying what was sent and not to resend', async () => {
    const { fag } = writePair();
    const result = await submitter.submit([fag], { env: 'local' });
    const msgId = result.sendings[0].msgId!;
    const started = Date.now();
    const error = await waitForApprec(journal, [msgId], { timeoutMs: 1500, listener, pollMs: 200 }).then(
      () => assert.fail('no Apprec was sent, the wait must time out'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApprecTimeoutError, String(error));
    assert.ok(Date.now() - started >= 1400);
    assert.deepEqual(error.pending.map((e) => e.msgId), [msgId]);
    const en = error.localized('en');
    assert.match(en, new RegExp(`KPR_IPL ${path.basename(fag).replace('.', '\\.')}, MsgId ${msgId}, sent \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC to local`));
    assert.match(en, /KPR may take time/);
    assert.match(en, /Do not send the files again before the Apprec has been checked/);
    assert.match(error.localized('nb'), /Ikke send filene på nytt før kvitteringen er sjekket/);
  });

  it('refuses a wrong PKCS#12 passphrase with a clear error before anything is recorded', async () => {
    const { fag } = writePair();
    const wrong = withSecrets(config, { signP12Passphrase: 'not-the-passphrase' });
    const s = new Submitter(wrong, { journal });
    const entries = journal.entries().length;
    const sent = kpr.inbox.items.length;
    try {
      await assert.rejects(s.submit([fag], { env: 'local' }), (e: unknown) => {
        assert.ok(e instanceof ContextualError, String(e));
        assert.equal(e.innerKey, 'crypto.p12.wrongPassphrase');
        assert.match(e.message, /certificates\.signingP12/);
        assert.match(e.message, /Wrong passphrase/);
        assert.match(e.localized('nb'), /Feil passord for PKCS#12-filen/);
        return true;
      });
    } finally {
      await s.close();
    }
    assert.equal(journal.entries().length, entries, 'nothing recorded');
    assert.equal(kpr.inbox.items.length, sent, 'nothing sent');
  });

  it('keeps an Apprec for an unknown MsgId, and quarantines a message it cannot verify instead of losing it', async () => {
    // An Apprec for a sending this journal never made (e.g. sent from another workstation).
    const { fag } = writePair();
    const stranger = new Submitter(config, { journal: Journal.open(path.join(dir, 'other-journal.jsonl')) });
    const packed = stranger.pack(await stranger.prepare(fag), 'local');
    await stranger.close();
    const fakeSending: IncomingBusMessage = {
      queue: `${KPR_HER}_async`,
      replyTo: `${SERVICE_HER}_async`,
      applicationProperties: {},
      body: packed.der,
      deliveryCount: 0,
      firstAcquirer: true,
    };
    const from = events.items.length;
    await kpr.reply(fakeSending, kpr.apprecFor(fakeSending, '2', { errors: [{ code: 'T02', details: 'schema' }] }));
    await events.waitFor((e) => e.slice(from).some((x) => x.kind === 'unmatched'), 20_000, 'an unmatched event');
    const unmatched = events.items.slice(from).find((x) => x.kind === 'unmatched') as Extract<ListenerEvent, { kind: 'unmatched' }>;
    assert.equal(unmatched.msgId, packed.msgId);
    assert.ok(fs.existsSync(unmatched.savedTo), unmatched.savedTo);
    assert.match(fs.readFileSync(unmatched.savedTo, 'utf8'), new RegExp(packed.msgId));
    assert.equal(journal.get(packed.msgId), undefined, 'the journal is not given a sending it never made');

    // An Apprec signed by someone other than KPR is not believed, and not thrown away either.
    const from2 = events.items.length;
    const forged = kpr.apprecFor(iplMsg, '2', { errors: [{ code: 'X99' }], signer: pki.municipalitySigning });
    await kpr.reply(iplMsg, forged);
    await events.waitFor((e) => e.slice(from2).some((x) => x.kind === 'quarantined'), 20_000, 'a quarantined event');
    const q = events.items.slice(from2).find((x) => x.kind === 'quarantined') as Extract<ListenerEvent, { kind: 'quarantined' }>;
    assert.equal(q.reason.key, 'crypto.cms.unexpectedSigner');
    assert.ok(fs.readFileSync(q.savedTo).equals(forged), 'the message is kept byte for byte');
    const meta = JSON.parse(fs.readFileSync(q.savedTo.replace(/\.p7m$/, '.json'), 'utf8'));
    assert.equal(meta.reason.key, 'crypto.cms.unexpectedSigner');
    assert.equal(meta.queue, `${SERVICE_HER}_async`);
    assert.equal(journal.get(iplId)!.state, 'accepted', 'the forged rejection did not change the sending');
    // Taken off the queue only after it was saved: nothing is left to spin on.
    const depths = await broker.queueDepths();
    assert.equal(depths[`${SERVICE_HER}_async`], 0);

    // Once the configuration is put right (here: KPR "changed" its signing certificate), it can be retried.
    const changed = withSecrets(
      { ...config, certificates: { ...config.certificates, kpr: { ...config.certificates.kpr, local: { ...config.certificates.kpr.local, signingCert: pki.municipalitySigning.certPath } } } } as KprConfig,
      { ...config.secrets },
    );
    const again = new ApprecListener(changed, { journal });
    const retried = await again.retryQuarantined();
    assert.deepEqual(retried, { retried: 1, applied: 1, stillFailing: 0 });
    assert.equal(journal.get(iplId)!.state, 'rejected', 'the now-trusted receipt was applied');
    assert.ok(fs.existsSync(path.join(path.dirname(q.savedTo), 'processed', path.basename(q.savedTo))));
    assert.ok(!fs.existsSync(q.savedTo));
  });

  describe('the command line against the same broker', () => {
    const env = () => ({
      KPR_CONFIG: configFile,
      KPR_AMQP_PASSWORD: password,
      KPR_SIGN_P12_PASSPHRASE: pki.passphrase,
      KPR_DECRYPT_P12_PASSPHRASE: pki.passphrase,
    });

    // The engine's listener above would compete for the same queue; the commands listen on their own.
    before(() => listener.stop());

    it('kpr submit --wait sends both files and prints KPR’s answers as they come', async () => {
      const { fag, ide } = writePair();
      const before = kpr.inbox.items.length;
      const io = captureIO(env());
      const run = main(['submit', fag, ide, '--env', 'local', '--wait', '60'], io);
      await kpr.inbox.waitFor((m) => m.length >= before + 2, 30_000, 'the two sendings of kpr submit');
      const [iplSent, ideSent] = kpr.inbox.items.slice(before);
      await kpr.reply(iplSent, kpr.apprecFor(iplSent, '1'));
      await kpr.reply(ideSent, kpr.apprecFor(ideSent, '3', { errors: [{ code: 'E53', details: 'pid 7: fid 01015012345 finnes ikke' }] }));
      const code = await run;
      const out = io.stdout();
      assert.equal(code, 1, 'not every sending was accepted outright\n' + out + io.stderr());
      assert.match(out, /fagmelding-\d+\.xml: KPR_IPL \(fagmelding\), 12 persons, \d+ services, period 20230101–20231231: 0 error\(s\)/);
      assert.match(out, new RegExp(`Sent to local: KPR_IPL fagmelding-\\d+\\.xml, MsgId ${iplSent.messageId}`));
      assert.match(out, new RegExp(`Apprec for KPR_IPL fagmelding-\\d+\\.xml \\(MsgId ${iplSent.messageId}\\): status 1 OK → accepted`));
      assert.match(out, /Apprec for KPR_IDE identmelding-\d+\.xml .*: status 3 OK, feil i delmelding → accepted-with-errors/);
      assert.match(out, /E53 The patient's national identity number or D-number is not registered in Folkeregisteret\.: pid 7: fid \*{9}45 finnes ikke/);
      assert.doesNotMatch(out + io.stderr(), /01015012345/, 'no fødselsnummer printed');
      assert.match(io.stderr(), /\[1\/2\] KPR_IPL .*: recorded in the sending journal as MsgId/);
      assert.equal(journal.get(ideSent.messageId!)!.state, 'accepted-with-errors');
    });

    it('kpr listen --once receives an Apprec for an earlier sending and updates the journal', async () => {
      const { fag } = writePair();
      const before = kpr.inbox.items.length;
      const sent = await submitter.submit([fag], { env: 'local' });
      const msgId = sent.sendings[0].msgId!;
      await kpr.inbox.waitFor((m) => m.slice(before).some((x) => x.messageId === msgId), 20_000, 'the sending');
      const m = kpr.inbox.items.slice(before).find((x) => x.messageId === msgId)!;
      await kpr.reply(m, kpr.apprecFor(m, '2', { errors: [{ code: 'T02', details: 'schema' }] }));
      const io = captureIO(env());
      const code = await main(['listen', '--once', '--timeout', '30'], io);
      assert.equal(code, 1, 'a rejection is a negative answer\n' + io.stdout() + io.stderr());
      assert.match(io.stdout(), new RegExp(`Apprec for KPR_IPL fagmelding-\\d+\\.xml \\(MsgId ${msgId}\\): status 2 Avvist → rejected`));
      assert.match(io.stdout(), /T02 The XML does not validate: schema/);
      assert.match(io.stderr(), /accepted only when signed with KPR's signing certificate/);
      assert.equal(journal.get(msgId)!.state, 'rejected');

      const quiet = captureIO(env());
      assert.equal(await main(['listen', '--once', '--timeout', '1'], quiet), 3);
      assert.match(quiet.stderr(), /No answer within 1 s/);
    });
  });
});
