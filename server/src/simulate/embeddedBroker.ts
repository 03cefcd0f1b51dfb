/**
 * A minimal AMQP 1.0 endpoint on this machine, so `kpr simulate` runs with no broker installed.
 *
 * It speaks just enough of what NHN Tjenestebuss (RabbitMQ with its AMQP 1.0 plugin) offers for a KPR
 * rehearsal, built on rhea's server side:
 *   - one direct exchange: a link to `/exchange/<EXCHANGE>/<queue>` sends into the named queue (routing key =
 *     queue name, like NHN's bindings);
 *   - `/amq/queue/<queue>` receives from a queue; every message goes to one receiver, and stays in the queue
 *     until that receiver settles it: `accepted` and `rejected` remove it, `released`/`modified` (or a link or
 *     connection that goes away unsettled) put it back at the head of the queue for the next receiver;
 *   - queues are declared up front (`queues`, `declareQueue`) and kept in memory; with `storeDir` every
 *     message is also written to a file (fsync'd) before the sender gets `accepted`, and read back on start,
 *     so restarting the simulator loses nothing;
 *   - SASL PLAIN (checked against `credentials` when given) and, if allowed, ANONYMOUS; the listener binds to
 *     a loopback address only and drops any connection that does not come from this machine.
 *
 * Limits, on purpose: a single process, loopback only, no TLS, no vhosts, no other exchanges or exchange
 * types, no dynamic or temporary queues, no transactions, no message TTL or dead-lettering, no flow control
 * beyond link credit. A message sent to a queue that is not declared is rejected (`amqp:not-found`), where
 * RabbitMQ would silently drop it. It is a rehearsal aid, not a RabbitMQ replacement.
 */
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { Server, Socket } from 'node:net';
import * as path from 'node:path';
import * as rhea from 'rhea';
import { defineErrors } from '../errors';
import { maskForLog } from '../privacy';
import { isLoopbackHost } from '../submit/transport/address';

const err = defineErrors({
  'simulate.broker.notLoopback': {
    en: 'The embedded AMQP endpoint only listens on this machine (127.0.0.1 or ::1), not on "{host}".',
    nb: 'Det innebygde AMQP-endepunktet lytter bare på denne maskinen (127.0.0.1 eller ::1), ikke på «{host}».',
  },
  'simulate.broker.portInUse': {
    en: 'Port {port} on {host} is already in use (another broker or simulator?). Choose another port with --port, or --port 0 for any free port.',
    nb: 'Port {port} på {host} er allerede i bruk (en annen megler eller simulator?). Velg en annen port med --port, eller --port 0 for en ledig port.',
  },
  'simulate.broker.listenFailed': {
    en: 'The embedded AMQP endpoint could not listen on {host}:{port}: {reason}',
    nb: 'Det innebygde AMQP-endepunktet kunne ikke lytte på {host}:{port}: {reason}',
  },
  'simulate.broker.badName': {
    en: '"{name}" cannot be used as a queue or exchange name (allowed: letters, digits, _ . - :).',
    nb: '«{name}» kan ikke brukes som kø- eller exchange-navn (tillatt: bokstaver, sifre, _ . - :).',
  },
  'simulate.broker.store': {
    en: 'Cannot {action} the message store {path}: {reason}',
    nb: 'Kan ikke {action} meldingslageret {path}: {reason}',
  },
});

export interface EmbeddedBrokerOptions {
  /** Default 5672, the port of amqp:// URLs without one; 0 picks a free port. */
  port?: number;
  /** A loopback address; default 127.0.0.1. */
  host?: string;
  /** The one exchange senders may address; default NHNTESTServiceBus (NHN's test exchange). */
  exchange?: string;
  /** Queues that exist from the start. */
  queues?: string[];
  /** Where messages are kept across restarts; memory only when absent. */
  storeDir?: string;
  /** When given, SASL PLAIN must present exactly this user and password. Otherwise any PLAIN login is taken. */
  credentials?: { user: string; password: string };
  /** Also accept SASL ANONYMOUS (and clients that skip SASL). Default: true without credentials, false with. */
  allowAnonymous?: boolean;
  /** One line per notable event; never message contents. */
  log?: (line: string) => void;
}

/** A message as it waits in a queue: its encoded AMQP bytes, exactly as the sender sent them. */
interface StoredMessage {
  seq: number;
  bytes: Buffer;
  /** Deliveries that ended without `accepted`/`rejected` (the AMQP header's delivery-count). */
  failures: number;
  file?: string;
}

interface Consumer {
  sender: rhea.Sender;
  connection: rhea.Connection;
}

interface Queue {
  name: string;
  ready: StoredMessage[];
  consumers: Consumer[];
  /** Round-robin position among consumers. */
  next: number;
}

interface InFlight {
  queue: Queue;
  message: StoredMessage;
  sender: rhea.Sender;
}

const NAME = /^[A-Za-z0-9._:\-]{1,200}$/;
const EXCHANGE_ADDRESS = /^\/exchange\/([^/]+)\/([^/]+)$/;
const QUEUE_ADDRESS = /^\/amq\/queue\/([^/]+)$/;
/** Credit the endpoint grants each sending link, topped up one by one as messages are stored. */
const SENDER_CREDIT = 100;

export const DEFAULT_EXCHANGE = 'NHNTESTServiceBus';
export const DEFAULT_EMBEDDED_PORT = 5672;

export class EmbeddedBroker {
  readonly host: string;
  readonly exchange: string;
  private portValue = 0;
  private readonly container: rhea.Container;
  private server?: Server;
  private readonly queuesByName = new Map<string, Queue>();
  private readonly inflight = new Map<rhea.Delivery, InFlight>();
  private readonly receiverQueue = new WeakMap<rhea.Receiver, string>();
  private readonly consumerQueue = new WeakMap<rhea.Sender, Queue>();
  private readonly connections = new Set<rhea.Connection>();
  private readonly sockets = new Set<Socket>();
  private readonly storeDir?: string;
  private readonly log: (line: string) => void;
  private seq = 0;
  private closed = false;

  /** Starts listening; resolves once the port is bound and stored messages are loaded. */
  static async start(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
    const broker = new EmbeddedBroker(options);
    await broker.listen(options.port ?? DEFAULT_EMBEDDED_PORT);
    return broker;
  }

  private constructor(private readonly options: EmbeddedBrokerOptions) {
    this.host = options.host ?? '127.0.0.1';
    if (!isLoopbackHost(this.host) || this.host === 'localhost') throw err('simulate.broker.notLoopback', { host: this.host });
    this.exchange = options.exchange ?? DEFAULT_EXCHANGE;
    checkName(this.exchange);
    const sink = options.log;
    this.log = (line) => sink?.(maskForLog(line));
    this.storeDir = options.storeDir;
    for (const q of options.queues ?? []) this.declareQueue(q);
    if (this.storeDir) this.loadStore(this.storeDir);

    this.container = rhea.create_container({ id: `kpr-embedded-${process.pid}-${randomUUID().slice(0, 8)}` });
    const mechanisms = this.container.sasl_server_mechanisms as {
      enable_plain(check: (user: string, password: string) => boolean): void;
      enable_anonymous(): void;
    };
    const creds = options.credentials;
    mechanisms.enable_plain(creds ? (user, password) => sameSecret(user, creds.user) && sameSecret(password, creds.password) : () => true);
    if (options.allowAnonymous ?? !creds) mechanisms.enable_anonymous();
    this.wire();
  }

  get port(): number {
    return this.portValue;
  }

  /** `amqp://USER@HOST:PORT/EXCHANGE`, the form BusConnection and kpr.config.json use (no password). */
  url(user = 'anonymous'): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `amqp://${encodeURIComponent(user)}@${host}:${this.portValue}/${this.exchange}`;
  }

  /** Makes a queue exist (idempotent). */
  declareQueue(name: string): void {
    checkName(name);
    if (this.queuesByName.has(name)) return;
    this.queuesByName.set(name, { name, ready: [], consumers: [], next: 0 });
    if (this.storeDir) {
      try {
        fs.mkdirSync(path.join(this.storeDir, name), { recursive: true, mode: 0o700 });
      } catch (e) {
        throw err('simulate.broker.store', { action: 'create', path: this.storeDir, reason: reason(e) }, e);
      }
    }
  }

  /** Messages per queue that wait or are delivered but not yet settled. */
  depths(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const q of this.queuesByName.values()) out[q.name] = q.ready.length;
    for (const f of this.inflight.values()) out[f.queue.name] = (out[f.queue.name] ?? 0) + 1;
    return out;
  }

  get queueNames(): string[] {
    return [...this.queuesByName.keys()];
  }

  /** Closes every connection and stops listening. Stored messages stay on disk for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.connections]) {
      try {
        c.close();
      } catch {
        /* the socket is gone already */
      }
    }
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => {
        clearTimeout(t);
        resolve();
      });
      // server.close() waits for every socket; clients that have not hung up within a second are cut off.
      const t = setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, 1000);
      if (this.sockets.size === 0) clearTimeout(t);
    });
    this.connections.clear();
  }

  // ------------------------------------------------------------------------------------------ listening

  private listen(port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const server = this.container.listen({
        port,
        host: this.host,
        // Messages are accepted only once stored; credit is granted by hand (see SENDER_CREDIT).
        receiver_options: { autoaccept: false, credit_window: 0 },
        sender_options: { autosettle: true },
        // Without ANONYMOUS, a client must log in with SASL; rhea otherwise lets SASL-less clients through.
        require_sasl: !(this.options.allowAnonymous ?? !this.options.credentials),
        // A client that vanished without closing (sleep, kill -9) is noticed, and its unsettled messages requeued.
        idle_time_out: 60_000,
      } as unknown as rhea.ServerConnectionOptions) as unknown as Server;
      const onError = (e: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        if (e.code === 'EADDRINUSE') reject(err('simulate.broker.portInUse', { host: this.host, port }, e));
        else reject(err('simulate.broker.listenFailed', { host: this.host, port, reason: e.code ?? e.message }, e));
      };
      const onListening = () => {
        server.off('error', onError);
        server.on('connection', (socket: Socket) => {
          this.sockets.add(socket);
          socket.once('close', () => this.sockets.delete(socket));
        });
        server.on('error', (e) => this.log(`embedded broker: ${reason(e)}`));
        const addr = server.address();
        this.portValue = typeof addr === 'object' && addr ? addr.port : port;
        this.server = server;
        this.log(`embedded broker: listening on ${this.host}:${this.portValue} (exchange ${this.exchange})`);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
    });
  }

  private wire(): void {
    const c = this.container;
    c.on('connection_open', (ctx: rhea.EventContext) => {
      const conn = ctx.connection;
      const remote = (conn as unknown as { socket?: { remoteAddress?: string } }).socket?.remoteAddress ?? '';
      // Bound to loopback already; this is the second line of defence the documentation promises.
      if (!isLoopbackHost(remote.replace(/^::ffff:/, ''))) {
        this.log(`embedded broker: refused a connection from ${remote}`);
        conn.close({ condition: 'amqp:unauthorized-access', description: 'only local connections are accepted' });
        return;
      }
      this.connections.add(conn);
    });
    c.on('receiver_open', (ctx: rhea.EventContext) => this.onSenderAttached(ctx.receiver!));
    c.on('sender_open', (ctx: rhea.EventContext) => this.onReceiverAttached(ctx.sender!, ctx.connection));
    c.on('message', (ctx: rhea.EventContext) => this.onMessage(ctx.receiver!, ctx.delivery!, ctx.message!));
    c.on('sendable', (ctx: rhea.EventContext) => {
      const q = this.consumerQueue.get(ctx.sender!);
      if (q) this.pump(q);
    });
    c.on('accepted', (ctx: rhea.EventContext) => this.settled(ctx.delivery!, 'remove'));
    c.on('rejected', (ctx: rhea.EventContext) => this.settled(ctx.delivery!, 'remove'));
    // rhea reports `modified` as `released` (treat_modified_as_released); both mean "deliver again".
    c.on('released', (ctx: rhea.EventContext) => this.settled(ctx.delivery!, 'requeue'));
    c.on('sender_close', (ctx: rhea.EventContext) => this.linkGone((f) => f.sender === ctx.sender, ctx.sender));
    c.on('receiver_close', () => undefined);
    c.on('session_close', (ctx: rhea.EventContext) => this.linkGone((f) => f.sender.session === ctx.session));
    c.on('connection_close', (ctx: rhea.EventContext) => this.connectionGone(ctx.connection));
    c.on('disconnected', (ctx: rhea.EventContext) => this.connectionGone(ctx.connection));
    c.on('sender_error', () => undefined);
    c.on('receiver_error', () => undefined);
    c.on('session_error', () => undefined);
    c.on('connection_error', () => undefined);
    c.on('protocol_error', (e: unknown) => this.log(`embedded broker: protocol error: ${reason(e)}`));
    // rhea raises unhandled link/session errors on the container; without a listener Node would crash.
    c.on('error', (e: unknown) => this.log(`embedded broker: ${reason(e)}`));
  }

  // ------------------------------------------------------------------------------------------ links

  /** A client opened a sending link: it must target `/exchange/<EXCHANGE>/<queue>`. */
  private onSenderAttached(receiver: rhea.Receiver): void {
    const address = String((receiver.target as { address?: string } | undefined)?.address ?? '');
    const m = EXCHANGE_ADDRESS.exec(address);
    if (!m) {
      refuse(receiver, 'amqp:invalid-field', `the embedded endpoint only accepts targets /exchange/${this.exchange}/<queue>, not "${address}"`);
      return;
    }
    const [, exchange, key] = m;
    if (exchange !== this.exchange) {
      // RabbitMQ's wording, so the client's error classification (missing exchange) applies.
      refuse(receiver, 'amqp:not-found', `NOT_FOUND - no exchange '${exchange}' in vhost '/'`);
      return;
    }
    receiver.set_target({ address });
    // The routing key names the queue; whether it exists is decided per message (like an unbound key).
    this.receiverQueue.set(receiver, key);
    receiver.add_credit(SENDER_CREDIT);
  }

  /** A client opened a receiving link: it must read `/amq/queue/<queue>` of a declared queue. */
  private onReceiverAttached(sender: rhea.Sender, connection: rhea.Connection): void {
    const address = String((sender.source as { address?: string } | undefined)?.address ?? '');
    const m = QUEUE_ADDRESS.exec(address);
    if (!m) {
      refuse(sender, 'amqp:invalid-field', `the embedded endpoint only accepts sources /amq/queue/<queue>, not "${address}"`);
      return;
    }
    const queue = this.queuesByName.get(m[1]);
    if (!queue) {
      refuse(sender, 'amqp:not-found', `NOT_FOUND - no queue '${m[1]}' in vhost '/'`);
      return;
    }
    sender.set_source({ address });
    queue.consumers.push({ sender, connection });
    this.consumerQueue.set(sender, queue);
    this.pump(queue);
  }

  private onMessage(receiver: rhea.Receiver, delivery: rhea.Delivery, message: rhea.Message): void {
    const key = this.receiverQueue.get(receiver) ?? '?';
    const queue = this.queuesByName.get(key);
    if (!queue) {
      delivery.reject({ condition: 'amqp:not-found', description: `no queue '${key}' is bound to exchange '${this.exchange}'` });
      receiver.add_credit(1);
      return;
    }
    let stored: StoredMessage;
    try {
      // Header fields are the broker's to set on delivery; what the sender wrote is kept otherwise.
      const copy = { ...message } as rhea.Message & { delivery_count?: number; first_acquirer?: boolean };
      delete copy.delivery_count;
      delete copy.first_acquirer;
      stored = { seq: ++this.seq, bytes: rhea.message.encode(copy), failures: 0 };
      if (this.storeDir) stored.file = this.persist(queue.name, stored);
    } catch (e) {
      this.log(`embedded broker: could not store a message for ${queue.name}: ${reason(e)}`);
      delivery.reject({ condition: 'amqp:internal-error', description: 'the message could not be stored' });
      receiver.add_credit(1);
      return;
    }
    queue.ready.push(stored);
    delivery.accept();
    receiver.add_credit(1);
    this.pump(queue);
  }

  /** Hands ready messages of `queue` to its receivers, as far as their credit goes. */
  private pump(queue: Queue): void {
    queue.consumers = queue.consumers.filter((c) => !c.sender.is_closed() && this.connections.has(c.connection));
    while (queue.ready.length > 0 && queue.consumers.length > 0) {
      let chosen: Consumer | undefined;
      for (let i = 0; i < queue.consumers.length; i++) {
        const c = queue.consumers[(queue.next + i) % queue.consumers.length];
        if (c.sender.is_open() && c.sender.sendable()) {
          chosen = c;
          queue.next = (queue.next + i + 1) % queue.consumers.length;
          break;
        }
      }
      if (!chosen) return;
      const message = queue.ready.shift()!;
      const delivery = chosen.sender.send(encodeForDelivery(message), undefined, 0);
      this.inflight.set(delivery, { queue, message, sender: chosen.sender });
    }
  }

  private settled(delivery: rhea.Delivery, what: 'remove' | 'requeue'): void {
    const f = this.inflight.get(delivery);
    if (!f) return;
    this.inflight.delete(delivery);
    if (what === 'remove') this.unpersist(f.message);
    else this.requeue([f]);
    this.pump(f.queue);
  }

  private linkGone(match: (f: InFlight) => boolean, sender?: rhea.Sender): void {
    const lost = [...this.inflight.entries()].filter(([, f]) => match(f));
    for (const [d] of lost) this.inflight.delete(d);
    this.requeue(lost.map(([, f]) => f));
    if (sender) {
      const q = this.consumerQueue.get(sender);
      if (q) q.consumers = q.consumers.filter((c) => c.sender !== sender);
    }
    for (const q of new Set(lost.map(([, f]) => f.queue))) this.pump(q);
  }

  private connectionGone(connection: rhea.Connection): void {
    if (!this.connections.delete(connection)) return;
    this.linkGone((f) => f.sender.connection === connection);
    for (const q of this.queuesByName.values()) {
      q.consumers = q.consumers.filter((c) => c.connection !== connection);
      this.pump(q);
    }
  }

  /** Puts unsettled messages back at the head of their queues, oldest first. */
  private requeue(list: InFlight[]): void {
    const byQueue = new Map<Queue, StoredMessage[]>();
    for (const f of list) {
      f.message.failures++;
      const l = byQueue.get(f.queue) ?? [];
      l.push(f.message);
      byQueue.set(f.queue, l);
    }
    for (const [q, msgs] of byQueue) {
      msgs.sort((a, b) => a.seq - b.seq);
      q.ready.unshift(...msgs);
      q.ready.sort((a, b) => a.seq - b.seq);
    }
  }

  // ------------------------------------------------------------------------------------------ store

  /** One file per message, `<storeDir>/<queue>/<seq>.amqp`, written and fsync'd before `accepted`. */
  private persist(queue: string, m: StoredMessage): string {
    const dir = path.join(this.storeDir!, queue);
    const file = path.join(dir, `${String(m.seq).padStart(12, '0')}.amqp`);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, m.bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return file;
  }

  private unpersist(m: StoredMessage): void {
    if (!m.file) return;
    try {
      fs.unlinkSync(m.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`embedded broker: could not remove ${m.file}: ${reason(e)}`);
    }
  }

  private loadStore(dir: string): void {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      let loaded = 0;
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || !NAME.test(entry.name)) continue;
        this.declareQueue(entry.name);
        const queue = this.queuesByName.get(entry.name)!;
        const files = fs.readdirSync(path.join(dir, entry.name)).filter((f) => /^\d+\.amqp$/.test(f)).sort();
        for (const f of files) {
          const file = path.join(dir, entry.name, f);
          const seq = Number(f.slice(0, -5));
          queue.ready.push({ seq, bytes: fs.readFileSync(file), failures: 0, file });
          this.seq = Math.max(this.seq, seq);
          loaded++;
        }
      }
      if (loaded > 0) this.log(`embedded broker: ${loaded} stored message(s) loaded from ${dir}`);
    } catch (e) {
      throw err('simulate.broker.store', { action: 'read', path: dir, reason: reason(e) }, e);
    }
  }
}

/**
 * Refuses a link the way RabbitMQ does: no attach in reply, the session ends with the error. Clients (and
 * BusConnection) then see the refusal before any "link open", so a missing queue fails the first attach.
 * rhea has already queued the answering attach when it reports the link, so that request is withdrawn.
 */
function refuse(link: rhea.Sender | rhea.Receiver, condition: string, description: string): void {
  const state = (link as unknown as { state?: { open_requests?: number; local_open?: boolean } }).state;
  if (state && typeof state.open_requests === 'number') {
    state.open_requests = 0;
    state.local_open = false;
  }
  link.session.close({ condition, description });
}

/** The stored bytes, or a copy with the header's delivery-count set when earlier deliveries failed. */
function encodeForDelivery(m: StoredMessage): Buffer {
  if (m.failures === 0) return m.bytes;
  const msg = rhea.message.decode(m.bytes) as unknown as rhea.Message & { delivery_count?: number; first_acquirer?: boolean };
  msg.delivery_count = m.failures;
  msg.first_acquirer = false;
  return rhea.message.encode(msg);
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw err('simulate.broker.badName', { name: maskForLog(name) });
}

/** Constant-time comparison, so a login attempt cannot learn the password byte by byte from timing. */
function sameSecret(given: string | null | undefined, expected: string): boolean {
  const a = createHash('sha256').update(String(given ?? '')).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function reason(e: unknown): string {
  if (e instanceof Error) return e.message;
  const o = e as { condition?: string; description?: string } | undefined;
  if (o && (o.condition || o.description)) return [o.condition, o.description].filter(Boolean).join(' ');
  return String(e);
}
