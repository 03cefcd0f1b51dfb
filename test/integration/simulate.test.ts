/**
 * `kpr simulate` end to end: the simulator consumes KPR's queue on a real RabbitMQ (AMQP 1.0, NHN's address
 * forms) and on its own embedded endpoint, and the municipality side sends as it would (Hodemelding, CMS
 * sign-then-encrypt, NHN's AMQP properties) and reads the answers from its own `_async` and `_error` queues:
 * Apprecs are decrypted with the municipality's test key and verified against KPR's test signing certificate.
 * Every wait is for an event, bounded by a timeout.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliIO } from '../../server/src/cli/io';
import { main } from '../../server/src/cli/main';
import { runSimulate } from '../../server/src/cli/simulate';
import { makePersonId } from '../../server/src/domain/identifiers';
import { EmbeddedBroker } from '../../server/src/simulate/embeddedBroker';
import { LocalKpr, startLocalKpr } from '../../server/src/simulate/local';
import { readSecretsFile } from '../../server/src/simulate/pki';
import { KprSimulator, SimulatorEvent } from '../../server/src/simulate/simulator';
import { Apprec, parseApprec } from '../../server/src/submit/apprec';
import { loadConfig } from '../../server/src/submit/config';
import { CertificateBundle, loadPkcs12 } from '../../server/src/submit/crypto/certificates';
import { decryptAndVerify, Signer, signAndEncrypt } from '../../server/src/submit/crypto/cms';
import { resolveEnvironment } from '../../server/src/submit/environments';
import { packMsgHead } from '../../server/src/submit/msghead';
import { BusConnection } from '../../server/src/submit/transport/bus';
import { buildBusMessage, OutgoingBusMessage, parseTransportError, TransportError } from '../../server/src/submit/transport/message';
import { Rng } from '../fixtures/rng';
import { fag, ide, ident, person, service } from '../support/kpr';
import { createTestPki } from '../support/pki';
import { Broker, startBroker } from '../support/rabbitmq';

const KPR_HER = '8133973';
const MUNI_HER = '9900001';
const SERVICE_HER = '9900002';
const WAIT = 20_000;

/** Collects items and wakes waiters on every push; no fixed sleeps. */
class Inbox<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) w();
  }

  waitFor(pred: (items: T[]) => boolean, what: string, timeoutMs = WAIT): Promise<void> {
    if (pred(this.items)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(this.items)) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; have ${JSON.stringify(this.items.map(brief))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}

function brief(x: unknown): unknown {
  const a = x as Partial<Apprec> & Partial<TransportError> & Partial<SimulatorEvent>;
  if (a.originalMsgId) return { apprec: a.originalMsgId.id, status: a.status?.code };
  if (a.errorCondition && a.originalMessageId) return { error: a.originalMessageId, condition: a.errorCondition };
  if (a.outcome) return { outcome: a.outcome, messageId: a.messageId };
  return x;
}

const rng = new Rng('kpr-simulate-test');
/** A synthetic, valid fødselsnummer (generated, never a real person's). */
const fnr = () => makePersonId(rng, { kind: 'fnr', birthDate: '1941-03-15' });

function cleanPair(lopenr: string, ids: number[] = [7]): { fag: string; ide: string } {
  return {
    fag: fag(ids.map((id) => person({ id, services: [service({ peId: id })] })), { lopenr }),
    ide: ide(ids.map((id) => ident({ pid: String(id), fid: fnr(), typeID: '1' })), { lopenr }),
  };
}

/** The municipality's side of a rehearsal: its keys from the simulator folder, a bus connection, its queues read. */
class Municipality {
  readonly apprecs = new Inbox<Apprec>();
  /** The decrypted Apprec texts, as received. */
  readonly raw: string[] = [];
  readonly errors = new Inbox<TransportError>();
  readonly signer: Signer;
  private readonly decryption: CertificateBundle;

  constructor(
    readonly local: LocalKpr,
    readonly bus: BusConnection,
  ) {
    const secrets = readSecretsFile(local.secretsFile);
    const sign = loadPkcs12(fs.readFileSync(local.pki.municipalitySigning.p12Path), secrets.KPR_SIGN_P12_PASSPHRASE);
    this.signer = { cert: sign.certificate, key: sign.privateKey, chain: [] };
    this.decryption = loadPkcs12(fs.readFileSync(local.pki.municipalityDecryption.p12Path), secrets.KPR_DECRYPT_P12_PASSPHRASE);
  }

  async listen(): Promise<void> {
    await this.bus.receive(this.local.municipalityQueues.async, async (m) => {
      const v = decryptAndVerify(m.body, { cert: this.decryption.certificate, key: this.decryption.privateKey }, { expectedSigner: this.local.pki.kprSigning.cert });
      assert.equal(m.subject, 'APPREC');
      this.raw.push(v.content.toString('utf8'));
      this.apprecs.push(parseApprec(v.content));
    });
    await this.bus.receive(this.local.municipalityQueues.error, async (m) => {
      const te = parseTransportError(m);
      assert.ok(te, 'a message on _error without originalMessageId');
      assert.equal(m.body.length, 0, 'a transport error is an empty message');
      this.errors.push(te);
    });
  }

  /** Packs, signs, encrypts and sends like the municipality; each part can be replaced to provoke an error. */
  async send(
    payload: string,
    o: {
      receiverHerId?: string;
      /** The service HER-id the Hodemelding names as sender. */
      senderServiceHerId?: string;
      signer?: Signer;
      signingTime?: Date;
      body?: Buffer;
      fromHerId?: string;
      edit?: (m: OutgoingBusMessage) => OutgoingBusMessage;
    } = {},
  ): Promise<{ msgId: string; message: OutgoingBusMessage }> {
    const packed = packMsgHead({
      payloadXml: payload,
      config: {
        municipality: { name: 'Testkommune (KPR-simulator)', herId: MUNI_HER, serviceHerId: o.senderServiceHerId ?? SERVICE_HER, serviceName: 'Saksbehandling' },
      },
      environment: resolveEnvironment('local', { receiverHerId: o.receiverHerId ?? KPR_HER }),
    });
    const body =
      o.body ??
      signAndEncrypt(Buffer.from(packed.xml, 'utf8'), o.signer ?? this.signer, this.local.pki.kprEncryption.cert, o.signingTime ? { signingTime: o.signingTime } : {});
    let message = buildBusMessage({
      msgId: packed.msgId,
      type: packed.type,
      fromHerId: o.fromHerId ?? SERVICE_HER,
      toHerId: KPR_HER,
      toQueue: this.local.kprQueue,
      replyToQueue: this.local.municipalityQueues.async,
      body,
      now: new Date(),
    });
    if (o.edit) message = o.edit(message);
    await this.bus.send(this.local.kprQueue, message);
    return { msgId: packed.msgId, message };
  }

  apprecFor(msgId: string): Promise<Apprec> {
    return this.apprecs.waitFor((a) => a.some((x) => x.originalMsgId.id === msgId), `the Apprec for ${msgId}`).then(
      () => this.apprecs.items.find((x) => x.originalMsgId.id === msgId)!,
    );
  }

  errorFor(messageId: string): Promise<TransportError> {
    return this.errors.waitFor((e) => e.some((x) => x.originalMessageId === messageId), `a transport error for ${messageId}`).then(
      () => this.errors.items.find((x) => x.originalMessageId === messageId)!,
    );
  }
}

function events(sim: KprSimulator): Inbox<SimulatorEvent> {
  const inbox = new Inbox<SimulatorEvent>();
  sim.onEvent((e) => inbox.push(e));
  return inbox;
}

function tmpDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o700);
  return dir;
}

async function expectCleanPairAccepted(m: Municipality, lopenr: string): Promise<void> {
  const pair = cleanPair(lopenr);
  const sentFag = await m.send(pair.fag);
  const sentIde = await m.send(pair.ide);
  const [a, b] = await Promise.all([m.apprecFor(sentFag.msgId), m.apprecFor(sentIde.msgId)]);
  assert.equal(a.status.code, '1');
  assert.equal(b.status.code, '1');
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  assert.equal(a.version, '1.1');
  assert.equal(a.originalMsgId.msgType, 'KPR_IPL');
  assert.equal(b.originalMsgId.msgType, 'KPR_IDE');
  assert.equal(a.sender.herId, KPR_HER);
  assert.equal(a.receiver.communicationPartyHerId, SERVICE_HER);
}

describe('kpr simulate against RabbitMQ', function () {
  this.timeout(120_000);
  let broker: Broker;
  let local: LocalKpr;
  let bus: BusConnection;
  let muni: Municipality;
  let sim: Inbox<SimulatorEvent>;
  let work: string;
  const password = randomBytes(12).toString('base64url');

  before(async () => {
    work = tmpDir('kpr-simulate-');
    broker = await startBroker({ herIds: [KPR_HER, SERVICE_HER], password });
    local = await startLocalKpr({ dir: path.join(work, 'sim'), amqpUrl: broker.url, amqpPassword: password, lang: 'en', env: {} });
    sim = events(local.simulator);
    bus = await BusConnection.connect({ url: broker.url, password });
    muni = new Municipality(local, bus);
    await muni.listen();
  });

  after(async () => {
    await bus?.close();
    await local?.stop();
    await broker?.dispose();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('answers a clean fagmelding and identmelding with two OK Apprecs, correlated by OriginalMsgId', async () => {
    await expectCleanPairAccepted(muni, '101');
  });

  it('writes a kpr.config.json the municipality side can load as it is', () => {
    const secrets = readSecretsFile(local.secretsFile);
    const config = loadConfig(local.configPath, { env: { ...secrets, KPR_AMQP_PASSWORD: password } });
    assert.equal(config.environment, 'local');
    assert.equal(config.municipality.serviceHerId, SERVICE_HER);
    assert.equal(config.target.receiverQueue, `${KPR_HER}_async`);
    assert.equal(config.amqp.user, broker.user);
    assert.equal(config.certificates.kpr.local.encryptionCert, local.pki.kprEncryption.certPath);
    assert.equal(config.secrets.signP12Passphrase, secrets.KPR_SIGN_P12_PASSPHRASE);
    assert.equal(fs.statSync(local.secretsFile).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(path.join(local.dir, 'README.txt'), 'utf8'), /TEST – KPR simulator/);
    assert.ok(local.definitionsFile && fs.existsSync(local.definitionsFile));
  });

  it('answers an expired service code with status 3 and an X99 that names the rule and where it is', async () => {
    const xml = fag([person({ id: 3, services: [service({ peId: 3, code: 12, orgnr: null })] })], { lopenr: '102' });
    const { msgId } = await muni.send(xml);
    const a = await muni.apprecFor(msgId);
    assert.equal(a.status.code, '3');
    const e = a.errors.find((x) => x.rule === 'deprecated-service-code');
    assert.ok(e, `errors: ${JSON.stringify(a.errors)}`);
    assert.equal(e.code, 'X99');
    assert.match(e.location ?? '', /^\d+:\d+$/);
    // The location points at the tjTjenType value in the payload as carried in the Hodemelding.
    const [line, col] = e.location!.split(':').map(Number);
    const payloadLines = xml.slice(xml.indexOf('<IPLOS')).split('\n');
    assert.equal(payloadLines[line - 1].slice(col - 1, col + 1), '12');
    assert.match(e.details ?? '', /expired/i);
  });

  it('reports bytes that are not an encrypted message as a transport error on _error', async () => {
    const { message } = await muni.send(cleanPair('103').fag, { body: randomBytes(300) });
    const te = await muni.errorFor(message.messageId);
    assert.equal(te.errorCondition, 'transport:invalid-certificate');
    assert.ok(te.errorDescription.length > 0);
    assert.equal(te.properties.toHerId, SERVICE_HER);
  });

  it('reports a message without subject as transport:invalid-field-value', async () => {
    const { message } = await muni.send(cleanPair('104').fag, { edit: (m) => ({ ...m, subject: undefined }) });
    const te = await muni.errorFor(message.messageId);
    assert.equal(te.errorCondition, 'transport:invalid-field-value');
    assert.match(te.errorDescription, /subject/);
  });

  it('reports a fromHerId that is not the Hodemelding sender as a spoofing attack', async () => {
    const { message } = await muni.send(cleanPair('105').fag, { senderServiceHerId: '9900003' });
    const te = await muni.errorFor(message.messageId);
    assert.equal(te.errorCondition, 'abuse:spoofing-attack');
  });

  it('rejects a Hodemelding addressed to another receiver with E21', async () => {
    const { msgId } = await muni.send(cleanPair('106').fag, { receiverHerId: '1234567' });
    const a = await muni.apprecFor(msgId);
    assert.equal(a.status.code, '2');
    assert.deepEqual(
      a.errors.map((e) => e.code),
      ['E21'],
    );
  });

  it('rejects a message signed with a key the simulator did not issue with S01, and an expired certificate with S02', async () => {
    const foreign = createTestPki(tmpDir('kpr-foreign-pki-'), { keyBits: 1024 });
    const unknown = await muni.send(cleanPair('107').fag, { signer: foreign.municipalitySigning });
    const a = await muni.apprecFor(unknown.msgId);
    assert.equal(a.status.code, '2');
    assert.deepEqual(
      a.errors.map((e) => e.code),
      ['S01'],
    );
    assert.equal(a.originalMsgId.msgType, 'KPR_IPL');
    // Signed while the certificate was valid, received after it expired.
    const notBefore = foreign.expiredSigning.cert.forge.validity.notBefore;
    const expired = await muni.send(cleanPair('108').fag, { signer: foreign.expiredSigning, signingTime: new Date(notBefore.getTime() + 86_400_000) });
    const b = await muni.apprecFor(expired.msgId);
    assert.equal(b.status.code, '2');
    assert.deepEqual(
      b.errors.map((e) => e.code),
      ['S02'],
    );
    fs.rmSync(foreign.dir, { recursive: true, force: true });
  });

  it('answers a message delivered twice with one Apprec', async () => {
    const first = await muni.send(cleanPair('109').fag);
    await bus.send(local.kprQueue, first.message); // the same message id and bytes again
    const duplicate = sim.waitFor((e) => e.some((x) => x.outcome === 'duplicate' && x.messageId === first.message.messageId), 'the duplicate event');
    // A later message is handled after both copies (one queue, in order): once its Apprec is here, so would a second one be.
    const sentinel = await muni.send(cleanPair('110').fag);
    await muni.apprecFor(sentinel.msgId);
    await duplicate;
    assert.equal(muni.apprecs.items.filter((a) => a.originalMsgId.id === first.msgId).length, 1);
  });

  it('checks a fagmelding and an identmelding with the same løpenummer as a pair, in the second one\'s Apprec', async () => {
    const pair = cleanPair('111', [21, 22]);
    const onlyOne = ide(ident({ pid: '21', fid: fnr(), typeID: '1' }), { lopenr: '111' });
    const f = await muni.send(pair.fag);
    const a = await muni.apprecFor(f.msgId);
    assert.equal(a.status.code, '1', 'the first of a pair is judged on its own');
    const i = await muni.send(onlyOne);
    const b = await muni.apprecFor(i.msgId);
    assert.equal(b.status.code, '3');
    const mismatch = b.errors.filter((e) => e.rule === 'ident-mismatch');
    assert.equal(mismatch.length, 1, JSON.stringify(b.errors));
    assert.match(mismatch[0].details ?? '', /pePeID 22/);
    assert.match(mismatch[0].details ?? '', new RegExp(f.msgId));
  });

  it('never puts a fødselsnummer in an Apprec or a log line, even when a system uses it as person key', async () => {
    const number = fnr();
    const masked = `*********${number.slice(-2)}`;
    const seen: string[] = [];
    const off = local.simulator.onEvent((e) => seen.push(JSON.stringify(e)));
    try {
      // As pePeID (an xs:int) the number breaks the schema; the T02 text quotes the value, masked.
      const bad = await muni.send(fag([person({ id: number, services: [service({ peId: 1 })] })], { lopenr: '112' }));
      const t02 = await muni.apprecFor(bad.msgId);
      assert.equal(t02.status.code, '2');
      assert.ok(t02.errors.some((e) => e.code === 'T02' && (e.details ?? '').includes(masked)), JSON.stringify(t02.errors));
      // As pid in the identmelding, without a PERSON: the pair check names the key, masked.
      const f = await muni.send(fag([person({ id: 1, services: [service({ peId: 1 })] })], { lopenr: '113' }));
      const i = await muni.send(ide([ident({ pid: '1', fid: fnr(), typeID: '1' }), ident({ pid: number, fid: fnr(), typeID: '1' })], { lopenr: '113' }));
      await muni.apprecFor(f.msgId);
      const b = await muni.apprecFor(i.msgId);
      assert.ok(b.errors.some((e) => e.rule === 'ident-mismatch' && (e.details ?? '').includes(masked)), JSON.stringify(b.errors));
      const raw = muni.raw.filter((x) => [bad.msgId, f.msgId, i.msgId].some((id) => x.includes(id))).join('\n');
      assert.ok(raw.length > 0);
      assert.ok(!raw.includes(number), 'the fødselsnummer is in an Apprec');
      assert.ok(!seen.join('\n').includes(number), 'the fødselsnummer is in a simulator event');
    } finally {
      off();
    }
  });
});

describe('kpr simulate on its embedded endpoint (no RabbitMQ)', function () {
  this.timeout(60_000);
  let work: string;

  before(() => {
    work = tmpDir('kpr-simulate-embedded-');
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('answers a clean pair with two OK Apprecs', async () => {
    const local = await startLocalKpr({ dir: path.join(work, 'a'), port: 0, lang: 'en', env: {} });
    const bus = await BusConnection.connect({ url: local.busUrl, password: readSecretsFile(local.secretsFile).KPR_AMQP_PASSWORD });
    try {
      assert.ok(local.broker, 'the embedded endpoint runs');
      const muni = new Municipality(local, bus);
      await muni.listen();
      await expectCleanPairAccepted(muni, '201');
    } finally {
      await bus.close();
      await local.stop();
    }
  });

  it('rejects everything with --reject, and answers nothing with --drop', async () => {
    for (const mode of ['reject', 'drop'] as const) {
      const local = await startLocalKpr({ dir: path.join(work, mode), port: 0, lang: 'nb', env: {}, mode });
      const sim = events(local.simulator);
      const bus = await BusConnection.connect({ url: local.busUrl, password: readSecretsFile(local.secretsFile).KPR_AMQP_PASSWORD });
      try {
        const muni = new Municipality(local, bus);
        await muni.listen();
        const { msgId } = await muni.send(cleanPair('202').fag);
        if (mode === 'reject') {
          const a = await muni.apprecFor(msgId);
          assert.equal(a.status.code, '2');
          assert.match(a.errors[0].details ?? '', /--reject/);
        } else {
          await sim.waitFor((e) => e.some((x) => x.outcome === 'dropped' && x.msgId === msgId), 'the dropped event');
          assert.equal(local.simulator.pendingAnswers, 0);
          assert.deepEqual(muni.apprecs.items, []);
        }
      } finally {
        await bus.close();
        await local.stop();
      }
    }
  });

  it('keeps an Apprec scheduled with --delay across a restart, and answers a redelivered message only once', async () => {
    const dir = path.join(work, 'delay');
    let local = await startLocalKpr({ dir, port: 0, lang: 'en', env: {}, delayMs: 60_000 });
    const port = local.broker!.port;
    let sim = events(local.simulator);
    const password = readSecretsFile(local.secretsFile).KPR_AMQP_PASSWORD;
    let bus = await BusConnection.connect({ url: local.busUrl, password });
    const muni = new Municipality(local, bus);
    const sent = await muni.send(cleanPair('203').fag);
    await sim.waitFor((e) => e.some((x) => x.outcome === 'apprec' && x.msgId === sent.msgId && x.dueAt !== undefined), 'the scheduled Apprec');
    assert.equal(local.simulator.pendingAnswers, 1);
    await bus.close();
    await local.stop();

    // Restart without the delay: the outbox entry is sent, and the same message sent again is a duplicate.
    local = await startLocalKpr({ dir, port, lang: 'en', env: {} });
    sim = events(local.simulator);
    bus = await BusConnection.connect({ url: local.busUrl, password });
    try {
      const again = new Municipality(local, bus);
      await again.listen();
      await bus.send(local.kprQueue, sent.message);
      await sim.waitFor((e) => e.some((x) => x.outcome === 'duplicate' && x.messageId === sent.message.messageId), 'the duplicate event');
      // The outbox keeps the original due time (a minute): the answer is on disk, not lost.
      assert.equal(local.simulator.pendingAnswers, 1);
    } finally {
      await bus.close();
      await local.stop();
    }
  });

  it('runs as `kpr simulate`, and `kpr submit --wait` with the written configuration gets both Apprecs', async () => {
    const dir = path.join(work, 'cli');
    const out: string[] = [];
    const io: CliIO = { out: (t) => out.push(t), err: (t) => out.push(t), env: { KPR_LANG: 'en' } };
    const abort = new AbortController();
    let ready!: (l: LocalKpr) => void;
    const started = new Promise<LocalKpr>((r) => (ready = r));
    const running = runSimulate(['--port', '0', '--dir', dir, '--lang', 'en'], io, { signal: abort.signal, onReady: ready });
    const local = await Promise.race([started, running.then(() => Promise.reject(new Error(`kpr simulate ended: ${out.join('')}`)))]);
    try {
      const text = out.join('');
      assert.match(text, /kpr\.config\.json/);
      assert.match(text, /KPR_SIGN_P12_PASSPHRASE/);
      assert.doesNotMatch(text, new RegExp(readSecretsFile(local.secretsFile).KPR_SIGN_P12_PASSPHRASE));

      const pair = cleanPair('301');
      fs.writeFileSync(path.join(work, 'fag.xml'), pair.fag);
      fs.writeFileSync(path.join(work, 'ide.xml'), pair.ide);
      const submitOut: string[] = [];
      const submitIo: CliIO = { out: (t) => submitOut.push(t), err: (t) => submitOut.push(t), env: { ...readSecretsFile(local.secretsFile), KPR_LANG: 'en' } };
      const code = await main(
        ['submit', '--config', local.configPath, '--env', 'local', '--lang', 'en', '--wait', '30', path.join(work, 'fag.xml'), path.join(work, 'ide.xml')],
        submitIo,
      );
      assert.equal(code, 0, submitOut.join(''));
      assert.equal((submitOut.join('').match(/status 1/g) ?? []).length, 2, submitOut.join(''));
    } finally {
      abort.abort();
      assert.equal(await running, 0);
    }
    assert.match(out.join(''), /Apprec status 1/);
  });

  it('refuses a queue that does not exist and an exchange of another name, like RabbitMQ', async () => {
    const local = await startLocalKpr({ dir: path.join(work, 'refuse'), port: 0, env: {} });
    const password = readSecretsFile(local.secretsFile).KPR_AMQP_PASSWORD;
    const bus = await BusConnection.connect({ url: local.busUrl, password });
    try {
      await assert.rejects(bus.receive('nobody_async', async () => undefined), /does not exist/);
      await assert.rejects(
        BusConnection.connect({ url: local.busUrl.replace('NHNTESTServiceBus', 'OtherBus'), password, connectTimeoutMs: 5000 }),
        /exchange "OtherBus" does not exist/,
      );
      await assert.rejects(BusConnection.connect({ url: local.busUrl, password: 'wrong', connectTimeoutMs: 5000 }), /refused the user name or password/);
    } finally {
      await bus.close();
      await local.stop();
    }
  });
});

describe('the embedded AMQP endpoint', function () {
  this.timeout(30_000);

  it('gives a message that was delivered but not settled to the next receiver, marked as redelivered', async () => {
    const broker = await EmbeddedBroker.start({ port: 0, queues: ['q1'], credentials: { user: 'u', password: 'p' } });
    try {
      const first = await BusConnection.connect({ url: broker.url('u'), password: 'p' });
      await first.send('q1', { messageId: 'm-1', subject: 'KPR_IPL', applicationProperties: { fromHerId: '1' }, body: Buffer.from('payload') });
      const got = new Inbox<{ id?: string; count: number; first: boolean; body: string }>();
      // This receiver never settles: its handler does not finish before the connection goes away.
      await first.receive('q1', (m) => {
        got.push({ id: m.messageId, count: m.deliveryCount, first: m.firstAcquirer, body: m.body.toString() });
        return new Promise<void>(() => undefined);
      });
      await got.waitFor((g) => g.length === 1, 'the first delivery');
      await first.close();

      const second = await BusConnection.connect({ url: broker.url('u'), password: 'p' });
      try {
        await second.receive('q1', async (m) => got.push({ id: m.messageId, count: m.deliveryCount, first: m.firstAcquirer, body: m.body.toString() }));
        await got.waitFor((g) => g.length === 2, 'the redelivery');
        assert.deepEqual(got.items[1], { id: 'm-1', count: 1, first: false, body: 'payload' });
        assert.deepEqual(got.items[0], { id: 'm-1', count: 0, first: true, body: 'payload' });
      } finally {
        await second.close();
      }
    } finally {
      await broker.close();
    }
  });

  it('keeps messages on disk across a restart, and loses the ones that were accepted', async () => {
    const store = tmpDir('kpr-embedded-store-');
    try {
      let broker = await EmbeddedBroker.start({ port: 0, queues: ['q2'], storeDir: store });
      const port = broker.port;
      let bus = await BusConnection.connect({ url: broker.url(), password: 'x' });
      for (const id of ['a', 'b', 'c']) await bus.send('q2', { messageId: id, body: Buffer.from(id) });
      const got = new Inbox<string>();
      const sub = await bus.receive('q2', async (m) => got.push(m.messageId ?? '?'), { prefetch: 1 });
      await got.waitFor((g) => g.length === 1, 'the first message');
      await sub.close();
      await bus.close();
      await broker.close();

      broker = await EmbeddedBroker.start({ port, storeDir: store });
      assert.deepEqual(broker.depths(), { q2: 2 });
      bus = await BusConnection.connect({ url: broker.url(), password: 'x' });
      try {
        await bus.receive('q2', async (m) => got.push(m.messageId ?? '?'));
        await got.waitFor((g) => g.length === 3, 'the stored messages');
        assert.deepEqual(got.items, ['a', 'b', 'c']);
      } finally {
        await bus.close();
        await broker.close();
      }
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  it('listens on loopback only', async () => {
    await assert.rejects(EmbeddedBroker.start({ port: 0, host: '0.0.0.0' }), /only listens on this machine/);
  });
});
