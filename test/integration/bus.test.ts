/**
 * The transport against a real RabbitMQ with the AMQP 1.0 plugin (the broker NHN Tjenestebuss runs), started
 * privately by test/support/rabbitmq.ts. Run: npx mocha test/integration/bus.test.ts
 */
import { strict as assert } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import * as net from 'node:net';
import * as rhea from 'rhea';
import { KprError } from '../../server/src/errors';
import { BusConnection, BusConnectionOptions, BusSendError, BusStateEvent, DEFAULT_RECONNECT, backoffDelay } from '../../server/src/submit/transport/bus';
import { IncomingBusMessage, NHN_CONTENT_TYPE, buildBusMessage, parseTransportError } from '../../server/src/submit/transport/message';
import { parseBusUrl } from '../../server/src/submit/transport/address';
import { Broker, startBroker } from '../support/rabbitmq';

const PASSWORD = `pw-${randomBytes(9).toString('base64url')}`;
const KPR_TEST = '8133973';
const OWN = '9000001';

/** Everything the transport logged or threw during the run: the password must appear in none of it. */
const transcript: string[] = [];

function record(e: unknown): unknown {
  if (e instanceof KprError) transcript.push(e.message, e.localized('nb'));
  else if (e instanceof Error) transcript.push(e.message);
  return e;
}

async function rejection(p: Promise<unknown>): Promise<KprError> {
  try {
    await p;
  } catch (e) {
    record(e);
    assert.ok(e instanceof KprError, `expected a KprError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

/** Resolves when `pred` holds for what was collected; fails with `what` after `timeoutMs`. */
class Collector<T> {
  readonly items: T[] = [];
  private waiters: Array<() => void> = [];
  push(item: T): void {
    this.items.push(item);
    for (const w of this.waiters) w();
  }
  until(pred: (items: T[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    if (pred(this.items)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred(this.items)) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (have ${this.items.length})`));
      }, timeoutMs);
      this.waiters.push(check);
    });
  }
}

describe('service bus transport against a real RabbitMQ (AMQP 1.0)', function () {
  this.timeout(240_000);
  let broker: Broker;
  const open: BusConnection[] = [];

  async function connect(extra: Partial<BusConnectionOptions> = {}, states?: Collector<BusStateEvent>): Promise<BusConnection> {
    const bus = await BusConnection.connect({
      url: broker.url,
      password: PASSWORD,
      log: (line) => transcript.push(line),
      onState: (e) => {
        transcript.push(`${e.state} ${e.reason ?? ''}`);
        states?.push(e);
      },
      ...extra,
    });
    open.push(bus);
    return bus;
  }

  before(async () => {
    broker = await startBroker({
      herIds: [KPR_TEST, OWN, '9000002', '9000003', '9000004', '9000005', '9000006'],
      exchange: 'NHNTESTServiceBus',
      user: 'kommune-test',
      password: PASSWORD,
      tls: true,
    });
  });

  afterEach(async () => {
    for (const bus of open.splice(0)) await bus.close();
  });

  after(async () => {
    await broker?.dispose();
  });

  it('delivers a KPR message with subject, ids, application properties and the binary body intact', async () => {
    const bus = await connect();
    const body = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(70_000)]);
    const msgId = randomUUID();
    const msg = buildBusMessage({
      msgId,
      type: 'KPR_IPL',
      fromHerId: OWN,
      toHerId: KPR_TEST,
      toQueue: `${KPR_TEST}_async`,
      replyToQueue: `${OWN}_async`,
      body,
      cpaId: 'cpa-0001',
      now: new Date('2024-01-31T23:59:58.123Z'),
    });
    await bus.send(`${KPR_TEST}_async`, msg);

    const got = new Collector<IncomingBusMessage>();
    const sub = await bus.receive(`${KPR_TEST}_async`, async (m) => got.push(m));
    await got.until((items) => items.length >= 1, 10_000, 'the message');
    await sub.close();
    const m = got.items[0];
    assert.equal(m.messageId, msgId);
    assert.equal(m.correlationId, msgId);
    assert.equal(m.subject, 'KPR_IPL');
    assert.equal(m.to, `${KPR_TEST}_async`);
    assert.equal(m.replyTo, `${OWN}_async`);
    assert.equal(m.contentType, NHN_CONTENT_TYPE);
    assert.deepEqual(m.applicationProperties, {
      fromHerId: OWN,
      toHerId: KPR_TEST,
      applicationTimeStamp: '2024-01-31T23:59:58Z',
      enqueuedTimeUtc: '2024-01-31T23:59:58Z',
      cpaId: 'cpa-0001',
    });
    assert.ok(m.body.equals(body), 'body bytes identical');
    assert.equal(m.queue, `${KPR_TEST}_async`);
  });

  it('puts the body in exactly one binary data section, as NHN requires', async () => {
    const bus = await connect();
    const body = randomBytes(1024);
    const id = randomUUID();
    await bus.send(`${KPR_TEST}_async`, { messageId: id, body });
    // Read it with plain rhea to see the AMQP sections themselves, not our decoding of them.
    const section = await new Promise<{ typecode: number; content: unknown }>((resolve, reject) => {
      const c = rhea.create_container();
      c.on('error', reject);
      const conn = c.connect({ host: '127.0.0.1', port: broker.port, username: broker.user, password: PASSWORD, reconnect: false });
      conn.on('connection_error', () => reject(new Error('probe login failed')));
      conn.on('disconnected', () => undefined);
      const r = conn.open_receiver({ source: { address: `/amq/queue/${KPR_TEST}_async` }, credit_window: 10 });
      r.on('message', (ctx: rhea.EventContext) => {
        if (ctx.message!.message_id !== id) return;
        resolve(ctx.message!.body);
        conn.close();
      });
    });
    assert.equal(section.typecode, 0x75, 'amqp:data:binary');
    assert.ok(Buffer.isBuffer(section.content), 'one data section, not several');
    assert.ok((section.content as Buffer).equals(body));
  });

  it('talks amqps with the CA file, and refuses an untrusted certificate with a clear error', async () => {
    const bus = await connect({ url: broker.tlsUrl!, caFile: broker.caFile });
    const got = new Collector<IncomingBusMessage>();
    await bus.receive('9000005_async', async (m) => got.push(m));
    await bus.send('9000005_async', { messageId: 'tls-1', body: Buffer.from('over TLS') });
    await got.until((i) => i.length === 1, 10_000, 'the message over TLS');
    assert.equal(got.items[0].body.toString(), 'over TLS');

    const e = await rejection(BusConnection.connect({ url: broker.tlsUrl!, password: PASSWORD, connectTimeoutMs: 5000 }));
    assert.equal(e.key, 'bus.tls');
    assert.match(e.message, /TLS/);
    assert.match(e.localized('nb'), /Sikker forbindelse/);
  });

  it('reports a wrong password as a clear error within 10 s', async () => {
    const states: BusStateEvent[] = [];
    const wrong = `${PASSWORD}-wrong`;
    const t0 = Date.now();
    const e = await rejection(
      BusConnection.connect({ url: broker.url, password: wrong, onState: (s) => states.push(s), log: (l) => transcript.push(l) }),
    );
    const elapsed = Date.now() - t0;
    assert.equal(e.key, 'bus.auth');
    assert.match(e.message, /refused the user name or password for "kommune-test"/);
    assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
    assert.ok(!e.message.includes(wrong) && !e.localized('nb').includes(wrong));
    assert.equal(states.at(-1)?.state, 'disconnected');
  });

  it('reports a closed port at once, and a silent peer after the connect timeout', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    let t0 = Date.now();
    let e = await rejection(BusConnection.connect({ url: `amqp://u@127.0.0.1:${closed}/X`, password: PASSWORD }));
    assert.equal(e.key, 'bus.unreachable');
    assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)`));
    assert.ok(Date.now() - t0 < 5000);

    // A peer that accepts TCP but never speaks AMQP, like a firewall that swallows packets.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      t0 = Date.now();
      e = await rejection(BusConnection.connect({ url: `amqp://u@127.0.0.1:${port}/X`, password: PASSWORD, connectTimeoutMs: 1500 }));
      const elapsed = Date.now() - t0;
      assert.equal(e.key, 'bus.connectTimeout');
      assert.match(e.message, /within 2 s/);
      assert.ok(elapsed >= 1400 && elapsed < 5000, `took ${elapsed} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('refuses unencrypted amqp to another machine, and a password in the address', async () => {
    let e = await rejection(BusConnection.connect({ url: 'amqp://kommune@tb.test.nhn.no:5672/NHNTESTServiceBus', password: PASSWORD }));
    assert.equal(e.key, 'bus.url.plainNotLoopback');
    assert.match(e.message, /use amqps:\/\/ for tb\.test\.nhn\.no/);
    e = await rejection(BusConnection.connect({ url: `amqps://kommune:${PASSWORD}@tb.test.nhn.no/NHNTESTServiceBus`, password: PASSWORD }));
    assert.equal(e.key, 'bus.url.password');
    assert.ok(!e.message.includes(PASSWORD));
    const a = parseBusUrl('amqps://kommune@tb.test.nhn.no/NHNTESTServiceBus');
    assert.deepEqual([a.tls, a.port, a.exchange, a.user], [true, 5671, 'NHNTESTServiceBus', 'kommune']);
    assert.equal(parseBusUrl('amqp://u@[::1]:5672/X').host, '::1');
  });

  it('reports a missing exchange at connect time and a missing queue when receiving', async () => {
    const url = broker.url.replace(/NHNTESTServiceBus$/, 'NoSuchServiceBus');
    let e = await rejection(BusConnection.connect({ url, password: PASSWORD }));
    assert.equal(e.key, 'bus.exchangeMissing');
    assert.match(e.message, /"NoSuchServiceBus" does not exist/);

    const bus = await connect();
    e = await rejection(bus.receive('9000099_async', async () => undefined));
    assert.equal(e.key, 'bus.queueMissing');
    assert.match(e.message, /queue "9000099_async" does not exist/);
    // The connection survives a failed link; once the queue exists the same connection can use it.
    await broker.addQueues(['9000099']);
    const got = new Collector<IncomingBusMessage>();
    await bus.receive('9000099_async', async (m) => got.push(m));
    await bus.send('9000099_async', { messageId: 'after-add', body: Buffer.from('x') });
    await got.until((i) => i.length === 1, 10_000, 'a message on the added queue');
  });

  it('releases a message whose handler fails, gets it again, and accepts the others exactly once', async () => {
    const bus = await connect({ redeliveryDelayMs: 0 });
    const queue = '9000002_async';
    const ids = Array.from({ length: 20 }, (_, i) => `h-${i}`);
    for (const id of ids) await bus.send(queue, { messageId: id, body: Buffer.from(id) });
    const seen = new Collector<IncomingBusMessage>();
    const failedOnce = new Set<string>();
    // Every other message fails on its first delivery. Release (N) and accept (N+1) alternate tightly, the case
    // in which rhea would merge the two dispositions into one if they were issued in the same tick.
    await bus.receive(queue, async (m) => {
      seen.push(m);
      const n = Number(m.messageId!.slice(2));
      if (n % 2 === 0 && !failedOnce.has(m.messageId!)) {
        failedOnce.add(m.messageId!);
        throw new Error(`handler failure for ${m.messageId}`);
      }
    });
    const count = (items: IncomingBusMessage[], id: string) => items.filter((m) => m.messageId === id).length;
    await seen.until((items) => ids.every((id) => count(items, id) >= (Number(id.slice(2)) % 2 === 0 ? 2 : 1)), 20_000, 'all messages, failed ones twice');
    for (const id of ids) {
      const n = Number(id.slice(2));
      const deliveries = seen.items.filter((m) => m.messageId === id);
      if (n % 2 === 0) {
        assert.equal(deliveries.length, 2, `${id} delivered again after its handler failed`);
        assert.ok(deliveries[1].deliveryCount >= 1 || !deliveries[1].firstAcquirer, `${id} marked as a redelivery`);
      } else {
        assert.equal(deliveries.length, 1, `${id} accepted the first time, not redelivered`);
      }
    }
    await bus.close();
    assert.equal((await broker.queueDepths())[queue], 0, 'nothing left unaccepted');
  });

  it('survives a broker crash mid-send: every send resolves and every message arrives under its own id', async () => {
    const queue = '9000003_async';
    const states = new Collector<BusStateEvent>();
    const bus = await connect({ reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }, sendTimeoutMs: 120_000 }, states);
    // A second client with a short deadline shows what a send meets while the broker is down.
    const impatient = await connect({ reconnect: { initialDelayMs: 100, maxDelayMs: 1000 }, sendTimeoutMs: 1500 });

    // A stream of sends with 200 always in flight; the broker is SIGKILLed in the middle of it.
    const total = 1000;
    const window = 200;
    const ids: string[] = [];
    let resolved = 0;
    let inFlightAtKill = -1;
    let killing: Promise<void> | undefined;
    let allSent!: () => void;
    let sendFailed!: (e: unknown) => void;
    const everySendResolved = new Promise<void>((resolve, reject) => {
      allSent = resolve;
      sendFailed = reject;
    });
    const issue = () => {
      const id = randomUUID();
      ids.push(id);
      bus.send(queue, { messageId: id, subject: 'KPR_IPL', body: randomBytes(16 * 1024) }).then(() => {
        resolved++;
        if (resolved === 300) {
          // pendingSends counts what the broker has not settled yet.
          inFlightAtKill = bus.pendingSends;
          killing = broker.kill();
        }
        if (ids.length < total) issue();
        if (resolved === total) allSent();
      }, sendFailed);
    };
    for (let i = 0; i < window; i++) issue();
    await states.until((s) => s.some((e) => e.state === 'reconnecting'), 60_000, 'the client to notice the crash');
    await killing;
    assert.ok(inFlightAtKill > 0, `the broker died with sends in flight (${inFlightAtKill})`);

    const t0 = Date.now();
    const e = await rejection(impatient.send(queue, { messageId: 'while-down', body: Buffer.from('x') }));
    assert.ok(e instanceof BusSendError);
    assert.equal(e.key, 'bus.sendTimeout.notSent');
    assert.equal(e.mayHaveArrived, false);
    assert.match(e.message, /could not be delivered to queue 9000003_async within 2 s/);
    assert.ok(Date.now() - t0 < 5000);

    await broker.restart();
    const resolvedAtRestart = resolved;
    await everySendResolved; // every single send resolves (accepted by the broker), none fails
    assert.equal(resolved, total);
    assert.ok(resolvedAtRestart < total, 'sends were still waiting when the broker came back');
    assert.ok(states.items.some((s) => s.state === 'reconnecting' && s.attempt === 1 && typeof s.retryInMs === 'number'));
    assert.equal(states.items.at(-1)!.state, 'connected');

    const got = new Collector<IncomingBusMessage>();
    await bus.receive(queue, async (m) => got.push(m));
    const distinct = () => new Set(got.items.map((m) => m.messageId)).size;
    await got.until(() => distinct() === total, 60_000, 'every message after the crash');
    const sent = new Set<string>(ids);
    assert.ok(got.items.every((m) => sent.has(m.messageId!)), 'no message under a new id');
    transcript.push(`crash test: ${got.items.length - total} duplicates, ${inFlightAtKill} in flight at kill`);
    if (process.env.KPR_TEST_VERBOSE) console.log(`      crash: ${inFlightAtKill} in flight at kill, ${got.items.length - total} duplicates received`);
  });

  it('keeps receiving after close_all_connections (the broker ends the links, the receiver re-attaches)', async () => {
    const queue = '9000004_async';
    const listener = await connect({ reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
    const sender = await connect({ reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
    const warnings = new Collector<unknown>();
    listener.onWarning((w) => warnings.push(w.error));
    const got = new Collector<IncomingBusMessage>();
    await listener.receive(queue, async (m) => got.push(m));
    for (let i = 0; i < 5; i++) await sender.send(queue, { messageId: `cac-before-${i}`, body: Buffer.from([i]) });
    await got.until((items) => items.length >= 5, 10_000, 'messages before close_all_connections');

    await broker.ctl(['close_all_connections', 'test: drop clients']);
    await warnings.until((w) => w.length >= 1, 10_000, 'the receiver to lose its link');
    // Sends made now go through the sender's re-opened link; the receiver must have re-attached to get them.
    for (let i = 0; i < 5; i++) await sender.send(queue, { messageId: `cac-after-${i}`, body: Buffer.from([i]) });
    await got.until((items) => [0, 1, 2, 3, 4].every((i) => items.some((m) => m.messageId === `cac-after-${i}`)), 20_000, 'messages after');
  });

  it('reconnects and re-attaches a listening receiver after its TCP connection is dropped', async () => {
    const queue = '9000004_async';
    const states = new Collector<BusStateEvent>();
    const listener = await connect({ reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } }, states);
    const got = new Collector<IncomingBusMessage>();
    await listener.receive(queue, async (m) => got.push(m));
    const sender = await connect({ reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
    await sender.send(queue, { messageId: 'drop-before', body: Buffer.from('b') });
    await got.until((items) => items.some((m) => m.messageId === 'drop-before'), 10_000, 'a message before the drop');

    assert.ok((await broker.dropConnections()) >= 2);
    await states.until((s) => s.some((e) => e.state === 'reconnecting'), 10_000, 'the listener to notice');
    await states.until((s) => s.at(-1)?.state === 'connected', 20_000, 'the listener to reconnect');
    const lost = states.items.find((e) => e.state === 'reconnecting')!;
    assert.match(lost.reason ?? '', /connection to the service bus at 127\.0\.0\.1 was lost/);

    for (let i = 0; i < 5; i++) await sender.send(queue, { messageId: `drop-after-${i}`, body: Buffer.from([i]) });
    await got.until((items) => [0, 1, 2, 3, 4].every((i) => items.some((m) => m.messageId === `drop-after-${i}`)), 20_000, 'messages after the drop');
  });

  it('reads a transport error report from an _error queue', async () => {
    const bus = await connect();
    const queue = '9000006_error';
    // What NHN puts on the sender's _error queue: an empty message with the reason in application properties.
    await bus.send(queue, {
      messageId: 'err-msg-1',
      body: Buffer.alloc(0),
      applicationProperties: {
        originalMessageId: 'orig-123',
        errorCondition: 'transport:invalid-field-value',
        errorDescription: 'toHerId er ikke en gyldig mottaker',
      },
    });
    const got = new Collector<IncomingBusMessage>();
    await bus.receive(queue, async (m) => got.push(m));
    await got.until((i) => i.length === 1, 10_000, 'the error report');
    assert.deepEqual(parseTransportError(got.items[0]), {
      originalMessageId: 'orig-123',
      errorCondition: 'transport:invalid-field-value',
      errorDescription: 'toHerId er ikke en gyldig mottaker',
      messageId: 'err-msg-1',
      properties: {},
    });
    assert.equal(parseTransportError({ applicationProperties: { fromHerId: '1' } }), undefined);
  });

  it('never put the password in a log line, state reason or error message', () => {
    assert.ok(transcript.length > 20, 'the transcript was collected');
    const leaks = transcript.filter((line) => line.includes(PASSWORD));
    assert.deepEqual(leaks, []);
  });
});

describe('send outcomes RabbitMQ 3.10 cannot produce (a plain rhea AMQP 1.0 peer refuses instead)', function () {
  // RabbitMQ 3.10's AMQP 1.0 plugin crashes the connection on an internal nack (e.g. a full queue with
  // reject-publish) instead of answering `rejected`, so these outcomes are exercised against a real AMQP peer.
  this.timeout(30_000);
  let server: ReturnType<rhea.Container['listen']>;
  let port: number;
  const peer = rhea.create_container({ id: 'refusing-peer' });

  before(async () => {
    peer.sasl_server_mechanisms.enable_plain(() => true);
    peer.on('message', (ctx: rhea.EventContext) => {
      const id = String(ctx.message!.message_id);
      if (id.startsWith('reject')) ctx.delivery!.reject({ condition: 'amqp:precondition-failed', description: 'refused by test peer' });
      else if (id.startsWith('release')) ctx.delivery!.release();
      else ctx.delivery!.accept();
    });
    peer.on('error', () => undefined);
    server = peer.listen({ port: 0, host: '127.0.0.1', autoaccept: false } as never);
    await new Promise<void>((r) => server.once('listening', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });

  after(() => server.close());

  it('turns rejected and released into clear errors, and accepted into success', async () => {
    const bus = await BusConnection.connect({ url: `amqp://u@127.0.0.1:${port}/X`, password: PASSWORD });
    try {
      await bus.send('q', { messageId: 'accept-1', body: Buffer.from('x') });
      let e = await rejection(bus.send('q', { messageId: 'reject-1', body: Buffer.from('x') }));
      assert.ok(e instanceof BusSendError);
      assert.equal(e.key, 'bus.rejected');
      assert.equal(e.mayHaveArrived, false);
      assert.match(e.message, /rejected message reject-1 for queue q: amqp:precondition-failed refused by test peer/);
      e = await rejection(bus.send('q', { messageId: 'release-1', body: Buffer.from('x') }));
      assert.equal(e.key, 'bus.released');
      assert.match(e.localized('nb'), /tok ikke imot melding release-1/);
    } finally {
      await bus.close();
    }
  });
});

describe('bus message shape and reconnect backoff (no broker needed)', () => {
  const base = {
    msgId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    type: 'KPR_IDE' as const,
    fromHerId: OWN,
    toHerId: KPR_TEST,
    toQueue: `${KPR_TEST}_async`,
    replyToQueue: `${OWN}_async`,
    body: Buffer.from([0x30, 0x82]),
    now: new Date('2024-06-01T08:00:00.999Z'),
  };

  it('builds the properties NHN requires, all application properties as strings', () => {
    const m = buildBusMessage(base);
    assert.equal(m.messageId, base.msgId);
    assert.equal(m.correlationId, base.msgId);
    assert.equal(m.subject, 'KPR_IDE');
    assert.equal(m.contentType, 'application/pkcs7-mime; smime-type=signed-and-enveloped-data');
    assert.deepEqual(m.applicationProperties, {
      fromHerId: OWN,
      toHerId: KPR_TEST,
      applicationTimeStamp: '2024-06-01T08:00:00Z',
      enqueuedTimeUtc: '2024-06-01T08:00:00Z',
    });
    assert.ok(Object.values(m.applicationProperties!).every((v) => typeof v === 'string'));
    assert.equal(buildBusMessage({ ...base, type: 'APPREC' }).subject, 'APPREC');
  });

  it('refuses a message NHN would refuse, with a clear error', () => {
    assert.throws(() => buildBusMessage({ ...base, toHerId: '81339 73' }), /toHerId HER-id "81339 73" is not a number/);
    assert.throws(() => buildBusMessage({ ...base, type: 'KPR_HOM' as 'KPR_IPL' }), /Unknown message type "KPR_HOM"/);
    assert.throws(() => buildBusMessage({ ...base, body: Buffer.alloc(0) }), /empty body/);
    assert.throws(() => buildBusMessage({ ...base, msgId: 'a b' }), /message id "a b" cannot be used/);
    assert.throws(() => buildBusMessage({ ...base, toQueue: '8133973_async/../x' }), /cannot be used in a service bus address/);
  });

  it('backs off exponentially with jitter, capped', () => {
    const policy = { ...DEFAULT_RECONNECT, initialDelayMs: 100, maxDelayMs: 5000, jitter: 0.5 };
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 1)), [100, 200, 400, 800]);
    assert.equal(backoffDelay(30, policy, () => 1), 5000);
    assert.equal(backoffDelay(3, policy, () => 0), 200, 'jitter takes off at most half');
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(5, policy);
      assert.ok(d >= 800 && d <= 1600, String(d));
    }
  });
});
