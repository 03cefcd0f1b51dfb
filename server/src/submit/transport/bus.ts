/**
 * One long-lived AMQP 1.0 connection to NHN Tjenestebuss (RabbitMQ with its AMQP 1.0 plugin), built on rhea.
 *
 * Sending resolves only when the broker has `accepted` the message. If the connection drops before that,
 * the connection is re-established (exponential backoff with jitter) and the very same encoded message
 * (same message_id) is sent again: delivery is at least once, never "maybe zero", and never under a new id.
 * Receiving settles a message only after the handler's promise resolves.
 *
 * rhea is driven with its own reconnect switched off: every (re)connection is a fresh rhea connection (a
 * "generation"), so links of a dead connection can never be used by mistake (after the broker closes a
 * session rhea may still report a dead sender as sendable).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import * as rhea from 'rhea';
import { KprError, defineErrors } from '../../errors';
import { MessageArgs } from '../../i18n';
import { maskForLog } from '../../privacy';
import { BusAddress, assertBusName, parseBusUrl } from './address';
import { IncomingBusMessage, OutgoingBusMessage } from './message';

const MESSAGES = {
  'bus.auth': {
    en: 'The service bus at {host} refused the user name or password for "{user}".',
    nb: 'Tjenestebussen på {host} avviste brukernavnet eller passordet for «{user}».',
  },
  'bus.unreachable': {
    en: 'Could not connect to the service bus at {host}:{port} ({reason}).',
    nb: 'Fikk ikke kontakt med tjenestebussen på {host}:{port} ({reason}).',
  },
  'bus.connectTimeout': {
    en: 'No answer from the service bus at {host}:{port} within {seconds} s.',
    nb: 'Tjenestebussen på {host}:{port} svarte ikke innen {seconds} s.',
  },
  'bus.tls': {
    en: 'Secure connection (TLS) to {host}:{port} failed: {reason}. Check the CA certificate setting.',
    nb: 'Sikker forbindelse (TLS) til {host}:{port} mislyktes: {reason}. Kontroller innstillingen for CA-sertifikat.',
  },
  'bus.caFile': {
    en: 'Cannot read the CA certificate file {file}: {reason}.',
    nb: 'Kan ikke lese CA-sertifikatfilen {file}: {reason}.',
  },
  'bus.refused': {
    en: 'The service bus at {host} closed the connection: {condition} {description}',
    nb: 'Tjenestebussen på {host} lukket forbindelsen: {condition} {description}',
  },
  'bus.lost': {
    en: 'The connection to the service bus at {host} was lost: {reason}',
    nb: 'Forbindelsen til tjenestebussen på {host} ble brutt: {reason}',
  },
  'bus.exchangeMissing': {
    en: 'The exchange "{exchange}" does not exist on the service bus at {host}; check the exchange name in the address.',
    nb: 'Exchange «{exchange}» finnes ikke på tjenestebussen på {host}; kontroller exchange-navnet i adressen.',
  },
  'bus.queueMissing': {
    en: 'The queue "{queue}" does not exist on the service bus at {host}.',
    nb: 'Køen «{queue}» finnes ikke på tjenestebussen på {host}.',
  },
  'bus.accessDenied': {
    en: 'The user "{user}" has no access to {address} on the service bus at {host}: {description}',
    nb: 'Brukeren «{user}» har ikke tilgang til {address} på tjenestebussen på {host}: {description}',
  },
  'bus.linkFailed': {
    en: 'The service bus refused the link {address}: {condition} {description}',
    nb: 'Tjenestebussen avviste lenken {address}: {condition} {description}',
  },
  'bus.rejected': {
    en: 'The service bus rejected message {messageId} for queue {queue}: {reason}',
    nb: 'Tjenestebussen avviste melding {messageId} til køen {queue}: {reason}',
  },
  'bus.released': {
    en: 'The service bus did not take message {messageId} for queue {queue} ({outcome}); it was not delivered.',
    nb: 'Tjenestebussen tok ikke imot melding {messageId} til køen {queue} ({outcome}); den ble ikke levert.',
  },
  'bus.sendTimeout.notSent': {
    en: 'Message {messageId} could not be delivered to queue {queue} within {seconds} s ({reason}); it was not sent.',
    nb: 'Melding {messageId} kunne ikke leveres til køen {queue} innen {seconds} s ({reason}); den ble ikke sendt.',
  },
  'bus.sendTimeout.unknown': {
    en: 'Message {messageId} was not confirmed by the service bus within {seconds} s ({reason}); it is unknown whether it arrived. Wait for the Apprec before sending again.',
    nb: 'Tjenestebussen bekreftet ikke melding {messageId} innen {seconds} s ({reason}); det er ukjent om den kom fram. Vent på applikasjonskvitteringen før du sender på nytt.',
  },
  'bus.closed': {
    en: 'The connection to the service bus has been closed.',
    nb: 'Forbindelsen til tjenestebussen er lukket.',
  },
  'bus.closedUnknown': {
    en: 'The connection to the service bus was closed before message {messageId} was confirmed; it is unknown whether it arrived.',
    nb: 'Forbindelsen til tjenestebussen ble lukket før melding {messageId} ble bekreftet; det er ukjent om den kom fram.',
  },
  'bus.badMessage': {
    en: 'A message to send needs a message id and a binary body.',
    nb: 'En melding som skal sendes, må ha meldings-ID og binært innhold.',
  },
} as const;
type BusErrorKey = keyof typeof MESSAGES;
const err = defineErrors<BusErrorKey>(MESSAGES);

/** A failed send. `mayHaveArrived` is false only when the broker certainly does not have the message. */
export class BusSendError extends KprError {
  constructor(
    key: BusErrorKey,
    args: MessageArgs,
    readonly messageId: string,
    readonly queue: string,
    readonly mayHaveArrived: boolean,
    cause?: unknown,
  ) {
    super(key, args, { cause });
    this.name = 'BusSendError';
  }
}

export type BusState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface BusStateEvent {
  state: 'connected' | 'reconnecting' | 'disconnected';
  /** Why the connection is not (or no longer) up; safe to show (no password). */
  reason?: string;
  /** The error behind `reason`, for a localized text. */
  error?: KprError;
  /** Reconnect attempt number (1, 2, …) while reconnecting. */
  attempt?: number;
  /** Delay before the next attempt, while reconnecting. */
  retryInMs?: number;
}

export interface ReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** 0…1: the share of each delay that is randomized, so many clients do not reconnect in step. */
  jitter: number;
  /**
   * The backoff starts over only after a connection has stayed up this long, so a broker that drops every
   * new connection at once (e.g. on a message it cannot handle) is not hammered.
   */
  resetAfterMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 30_000, factor: 2, jitter: 0.5, resetAfterMs: 10_000 };

/** The delay before reconnect attempt `attempt` (1-based). */
export function backoffDelay(attempt: number, policy: ReconnectPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * Math.pow(policy.factor, Math.max(0, attempt - 1)));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(base * (1 - jitter) + base * jitter * random());
}

export interface BusConnectionOptions {
  /** `amqps://USER@HOST:PORT/EXCHANGE`, or `amqp://…` to a broker on this machine. */
  url: string;
  /** Given separately from the URL (it comes from the secret store, never from settings). */
  password: string;
  /** PEM file with the CA certificate(s) to trust for amqps, in addition to Node's bundled roots if unset. */
  caFile?: string;
  /** PEM text of CA certificates (instead of caFile). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Defaults to true; switching it off is for local experiments only. */
  rejectUnauthorized?: boolean;
  /** How long one connection attempt may take. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** How long `send` may take, retries included, before it fails. Default 60 000 ms. */
  sendTimeoutMs?: number;
  /** AMQP idle timeout: a silent peer is detected after about twice this. Default 30 000 ms. */
  idleTimeoutMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
  /** Unsettled messages a receiver may hold (its credit window). Default 5. */
  prefetch?: number;
  /** Wait before releasing a message whose handler failed, so a failing handler does not spin. Default 1000 ms. */
  redeliveryDelayMs?: number;
  /** Check at connect time that the exchange exists. Default true. */
  checkExchange?: boolean;
  containerId?: string;
  onState?: (e: BusStateEvent) => void;
  /** Diagnostic lines, already masked. */
  log?: (line: string) => void;
}

export type BusHandler = (msg: IncomingBusMessage) => Promise<void>;

export interface BusSubscription {
  readonly queue: string;
  close(): Promise<void>;
}

/** Non-fatal problems a UI may want to show (a receiver that cannot attach, a handler that failed). */
export interface BusWarning {
  queue: string;
  messageId?: string;
  error: unknown;
}

interface Generation {
  id: number;
  connection: rhea.Connection;
  dead: boolean;
  senders: Map<string, SenderLink>;
  /** Told when this connection dies (used by the connect-time exchange check). */
  onDeath?: (e: KprError) => void;
}

interface SenderLink {
  gen: Generation;
  queue: string;
  session: rhea.Session;
  sender: rhea.Sender;
  open: boolean;
  dead: boolean;
  inflight: Map<rhea.Delivery, PendingSend>;
  retryTimer?: NodeJS.Timeout;
  failures: number;
}

interface PendingSend {
  seq: number;
  queue: string;
  messageId: string;
  payload: Buffer;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  link?: SenderLink;
  delivery?: rhea.Delivery;
  /** A copy was handed to an earlier connection that died before the broker settled it. */
  uncertain: boolean;
  lastReason?: string;
  done: boolean;
}

interface Subscription {
  queue: string;
  handler: BusHandler;
  prefetch: number;
  closed: boolean;
  link?: ReceiverLink;
  attached: boolean;
  failures: number;
  retryTimer?: NodeJS.Timeout;
  firstAttach?: { resolve: () => void; reject: (e: Error) => void };
}

interface ReceiverLink {
  gen: Generation;
  sub: Subscription;
  session: rhea.Session;
  receiver: rhea.Receiver;
  dead: boolean;
  work: Array<{ delivery: rhea.Delivery; message: rhea.Message }>;
  /** The running handler loop, if any. */
  processing?: Promise<void>;
  /** Closing: finish (and settle) the message in hand, take no new ones. */
  stopping: boolean;
}

const FATAL_CONNECT = new Set(['bus.auth', 'bus.tls', 'bus.caFile']);

export class BusConnection {
  readonly address: BusAddress;
  private readonly password: string;
  private readonly tlsCa?: string | Buffer | Array<string | Buffer>;
  private readonly rejectUnauthorized: boolean;
  private readonly opts: Required<
    Pick<BusConnectionOptions, 'connectTimeoutMs' | 'sendTimeoutMs' | 'idleTimeoutMs' | 'prefetch' | 'redeliveryDelayMs' | 'checkExchange'>
  >;
  private readonly policy: ReconnectPolicy;
  private readonly container: rhea.Container;
  private readonly stateListeners = new Set<(e: BusStateEvent) => void>();
  private readonly warningListeners = new Set<(w: BusWarning) => void>();
  private readonly log: (line: string) => void;

  private current?: Generation;
  private genCounter = 0;
  private seq = 0;
  private stateValue: BusState = 'connecting';
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private stableTimer?: NodeJS.Timeout;
  private closing = false;
  private closingPromise?: Promise<void>;
  private fatal?: KprError;
  /** Sends not yet handed to a live link, per queue, in submission order. */
  private readonly waiting = new Map<string, PendingSend[]>();
  private readonly pending = new Set<PendingSend>();
  private readonly subs = new Set<Subscription>();

  /** Connects (one attempt, bounded by the connect timeout) and returns a live connection, or throws a KprError. */
  static async connect(options: BusConnectionOptions): Promise<BusConnection> {
    const bus = new BusConnection(options);
    await bus.start();
    return bus;
  }

  private constructor(options: BusConnectionOptions) {
    this.address = parseBusUrl(options.url);
    this.password = options.password;
    if (options.caFile) {
      try {
        this.tlsCa = readFileSync(options.caFile);
      } catch (e) {
        throw err('bus.caFile', { file: options.caFile, reason: (e as NodeJS.ErrnoException).code ?? String(e) }, e);
      }
    } else {
      this.tlsCa = options.ca;
    }
    this.opts = {
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      sendTimeoutMs: options.sendTimeoutMs ?? 60_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      prefetch: Math.max(1, options.prefetch ?? 5),
      redeliveryDelayMs: options.redeliveryDelayMs ?? 1000,
      checkExchange: options.checkExchange ?? true,
    };
    this.rejectUnauthorized = options.rejectUnauthorized ?? true;
    this.policy = { ...DEFAULT_RECONNECT, ...(options.reconnect ?? {}) };
    const sink = options.log;
    this.log = (line) => sink?.(maskForLog(line));
    if (options.onState) this.stateListeners.add(options.onState);
    this.container = rhea.create_container({ id: options.containerId ?? `kpr-${process.pid}-${Date.now().toString(36)}` });
    // rhea emits link and session errors nobody handled on the container; without a listener Node would crash.
    this.container.on('error', (e: unknown) => this.log(`bus: unhandled AMQP error: ${describe(e)}`));
  }

  get state(): BusState {
    return this.stateValue;
  }

  /** Subscribes to state changes; returns an unsubscribe function. */
  onState(listener: (e: BusStateEvent) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onWarning(listener: (w: BusWarning) => void): () => void {
    this.warningListeners.add(listener);
    return () => this.warningListeners.delete(listener);
  }

  // ---------------------------------------------------------------- connection lifecycle

  private async start(): Promise<void> {
    try {
      this.current = await this.openGeneration();
      if (this.opts.checkExchange) await this.probeExchange(this.current);
    } catch (e) {
      const error = this.toKprError(e);
      this.killGeneration(this.current);
      this.current = undefined;
      this.closing = true;
      this.setState({ state: 'disconnected', reason: error.message, error });
      throw error;
    }
    this.setState({ state: 'connected' });
  }

  private connectOptions(): rhea.ConnectionOptions {
    const a = this.address;
    const common = {
      host: a.host,
      port: a.port,
      username: a.user,
      password: this.password,
      reconnect: false,
      idle_time_out: this.opts.idleTimeoutMs,
      container_id: this.container.id,
      // RabbitMQ picks the vhost from the open frame's hostname only when it is `vhost:NAME`; the real host name
      // selects the default vhost, which is what NHN uses.
      hostname: a.host,
    };
    if (!a.tls) return { ...common, transport: 'tcp' } as rhea.ConnectionOptions;
    return {
      ...common,
      transport: 'tls',
      ca: this.tlsCa,
      rejectUnauthorized: this.rejectUnauthorized,
      servername: isIP(a.host) ? undefined : a.host,
    } as rhea.ConnectionOptions;
  }

  /** Opens one fresh rhea connection and resolves once the AMQP open handshake is done. */
  private openGeneration(): Promise<Generation> {
    const a = this.address;
    const connection = this.container.connect(this.connectOptions());
    const gen: Generation = { id: ++this.genCounter, connection, dead: false, senders: new Map() };
    this.log(`bus: connecting to ${a.display} (connection ${gen.id})`);
    return new Promise<Generation>((resolve, reject) => {
      let settled = false;
      let firstError: KprError | undefined;
      const fail = (e: KprError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.killGeneration(gen);
        reject(e);
      };
      const timer = setTimeout(
        () => fail(err('bus.connectTimeout', { host: a.host, port: a.port, seconds: Math.round(this.opts.connectTimeoutMs / 1000) })),
        this.opts.connectTimeoutMs,
      );
      connection.on('connection_open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.log(`bus: connected to ${a.display} (connection ${gen.id})`);
        resolve(gen);
      });
      const onEnd = (e: KprError) => {
        if (!settled) {
          firstError ??= e;
          fail(firstError);
        } else if (e.key === 'bus.unreachable' || e.key === 'bus.tls') {
          // It was up: say "lost", not "could not connect".
          this.generationDied(gen, err('bus.lost', { host: a.host, reason: String(e.args.reason ?? e.message) }));
        } else {
          this.generationDied(gen, e);
        }
      };
      connection.on('connection_error', (ctx: rhea.EventContext) => {
        const e = this.classifyConnectionError(ctx.error ?? connection.error);
        firstError ??= e;
        onEnd(e);
      });
      connection.on('connection_close', (ctx: rhea.EventContext) => {
        onEnd(firstError ?? this.classifyConnectionError(ctx.error ?? connection.error));
      });
      connection.on('disconnected', (ctx: rhea.EventContext) => {
        onEnd(firstError ?? this.classifySocketError(ctx.error));
      });
      connection.on('protocol_error', (e: unknown) => this.log(`bus: protocol error: ${describe(e)}`));
      connection.on('error', (e: unknown) => {
        this.log(`bus: connection error: ${describe(e)}`);
        onEnd(firstError ?? this.classifyConnectionError(e));
      });
    });
  }

  /** Attaches (and detaches) a sender to the exchange, so a wrong exchange name is reported at connect time. */
  private probeExchange(gen: Generation): Promise<void> {
    const address = `/exchange/${this.address.exchange}/kpr-connection-check`;
    return new Promise<void>((resolve, reject) => {
      const session = gen.connection.create_session();
      session.begin();
      const sender = session.open_sender({ target: { address, durable: 2 }, snd_settle_mode: 0 });
      const timer = setTimeout(
        () => done(err('bus.connectTimeout', { host: this.address.host, port: this.address.port, seconds: Math.round(this.opts.connectTimeoutMs / 1000) })),
        this.opts.connectTimeoutMs,
      );
      let finished = false;
      const done = (e?: KprError) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        if (e) reject(e);
        else {
          try {
            session.close();
          } catch {
            /* the session may already be gone; nothing to release then */
          }
          resolve();
        }
      };
      gen.onDeath = (e) => done(e);
      sender.on('sender_open', () => {
        gen.onDeath = undefined;
        done();
      });
      const onError = (e: rhea.AmqpError | Error | undefined) => done(this.classifyLinkError(e, address, undefined));
      sender.on('sender_error', () => onError(sender.error));
      session.on('session_error', () => onError(session.error));
      session.on('session_close', () => onError(session.error));
    });
  }

  private killGeneration(gen: Generation | undefined): void {
    if (!gen) return;
    gen.dead = true;
    const conn = gen.connection as unknown as { socket?: { destroy?: () => void }; abort_socket?: (s: unknown) => void };
    // Deferred: when called from inside rhea's input processing, rhea re-arms its idle timer after our
    // handler returns. abort_socket stops rhea's heartbeat timers; a bare socket.destroy() would leave them running.
    setImmediate(() => {
      try {
        if (conn.socket && conn.abort_socket) conn.abort_socket(conn.socket);
        else conn.socket?.destroy?.();
      } catch {
        /* already gone */
      }
    });
  }

  /** A connection that was up has gone: requeue unsettled sends, forget receiver links, reconnect. */
  private generationDied(gen: Generation, error: KprError): void {
    if (gen.dead && gen !== this.current) return;
    const wasCurrent = gen === this.current;
    gen.dead = true;
    gen.onDeath?.(error);
    gen.onDeath = undefined;
    for (const link of gen.senders.values()) this.senderLinkDied(link, error.message);
    gen.senders.clear();
    for (const sub of this.subs) {
      if (sub.link && sub.link.gen === gen) this.receiverLinkDied(sub.link);
    }
    if (wasCurrent) this.current = undefined;
    this.killGeneration(gen);
    if (!wasCurrent) return;
    this.log(`bus: connection ${gen.id} lost: ${error.message}`);
    // During connect() the caller gets the error; reconnecting starts only once a connection has been up.
    if (this.closing || this.stateValue === 'connecting') return;
    this.scheduleReconnect(error);
  }

  private scheduleReconnect(error: KprError): void {
    if (this.closing || this.reconnectTimer) return;
    if (FATAL_CONNECT.has(error.key)) {
      this.goDisconnected(error);
      return;
    }
    this.attempt++;
    const delay = backoffDelay(this.attempt, this.policy);
    this.setState({ state: 'reconnecting', reason: error.message, error, attempt: this.attempt, retryInMs: delay });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing) return;
      this.openGeneration().then(
        (gen) => {
          if (this.closing) {
            this.killGeneration(gen);
            return;
          }
          this.current = gen;
          clearTimeout(this.stableTimer);
          this.stableTimer = setTimeout(() => {
            if (this.current === gen) this.attempt = 0;
          }, this.policy.resetAfterMs);
          this.stableTimer.unref?.();
          this.setState({ state: 'connected' });
          for (const sub of this.subs) this.attachReceiver(sub);
          for (const queue of this.waiting.keys()) this.pump(queue);
        },
        (e) => this.scheduleReconnect(this.toKprError(e)),
      );
    }, delay);
  }

  /** A permanent failure (e.g. the password was changed): stop, and fail what waits. */
  private goDisconnected(error: KprError): void {
    this.fatal = error;
    this.setState({ state: 'disconnected', reason: error.message, error });
    for (const p of [...this.pending]) this.failSend(p, error);
  }

  private setState(e: BusStateEvent): void {
    this.stateValue = e.state;
    this.log(`bus: ${e.state}${e.reason ? `: ${e.reason}` : ''}${e.retryInMs !== undefined ? ` (retry in ${e.retryInMs} ms)` : ''}`);
    for (const l of this.stateListeners) {
      try {
        l(e);
      } catch (x) {
        this.log(`bus: state listener failed: ${describe(x)}`);
      }
    }
  }

  private warn(w: BusWarning): void {
    this.log(`bus: ${w.queue}${w.messageId ? ` ${w.messageId}` : ''}: ${describe(w.error)}`);
    for (const l of this.warningListeners) {
      try {
        l(w);
      } catch {
        /* a listener's failure must not disturb the transport */
      }
    }
  }

  // ---------------------------------------------------------------- error classification

  private toKprError(e: unknown): KprError {
    if (e instanceof KprError) return e;
    return err('bus.lost', { host: this.address.host, reason: describe(e) });
  }

  private classifyConnectionError(e: unknown): KprError {
    if (e instanceof KprError) return e;
    const { condition, description } = amqpErrorParts(e);
    if (condition === 'amqp:unauthorized-access') return err('bus.auth', { host: this.address.host, user: this.address.user });
    if (!condition && e instanceof Error) return this.classifySocketError(e);
    return err('bus.refused', { host: this.address.host, condition: condition ?? '', description: maskForLog(description ?? '') });
  }

  private classifySocketError(e: unknown): KprError {
    const a = this.address;
    const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
    const message = e instanceof Error ? e.message : e === undefined ? 'connection closed' : String(e);
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/i.test(code) || /certificate|ssl|tls/i.test(message)) {
      return err('bus.tls', { host: a.host, port: a.port, reason: maskForLog(message) });
    }
    return err('bus.unreachable', { host: a.host, port: a.port, reason: maskForLog(code || message) });
  }

  private classifyLinkError(e: unknown, address: string, queue: string | undefined): KprError {
    const { condition, description = '' } = amqpErrorParts(e);
    const a = this.address;
    if (condition === 'amqp:not-found') {
      if (/exchange/i.test(description)) return err('bus.exchangeMissing', { exchange: a.exchange, host: a.host });
      return err('bus.queueMissing', { queue: queue ?? address, host: a.host });
    }
    if (condition === 'amqp:unauthorized-access') {
      return err('bus.accessDenied', { user: a.user, address, host: a.host, description: maskForLog(description) });
    }
    return err('bus.linkFailed', { address, condition: condition ?? '', description: maskForLog(description) });
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends one message to `queue` through the exchange (`/exchange/<EXCHANGE>/<queue>`), durable, as one binary
   * data section. Resolves when the broker has accepted it; rejects with a BusSendError otherwise.
   */
  send(queue: string, msg: OutgoingBusMessage): Promise<void> {
    assertBusName(queue, 'queue');
    if (!msg.messageId || !Buffer.isBuffer(msg.body)) return Promise.reject(err('bus.badMessage'));
    if (this.closing) return Promise.reject(this.fatal ?? err('bus.closed'));
    if (this.fatal) return Promise.reject(this.fatal);
    const payload = encodeMessage(msg);
    return new Promise<void>((resolve, reject) => {
      const p: PendingSend = {
        seq: ++this.seq,
        queue,
        messageId: msg.messageId,
        payload,
        resolve,
        reject,
        uncertain: false,
        done: false,
        timer: setTimeout(() => this.sendTimedOut(p), this.opts.sendTimeoutMs),
      };
      this.pending.add(p);
      this.enqueue(p);
      this.pump(queue);
    });
  }

  /** Number of sends not yet settled (for a status display). */
  get pendingSends(): number {
    return this.pending.size;
  }

  private enqueue(p: PendingSend, front = false): void {
    let list = this.waiting.get(p.queue);
    if (!list) this.waiting.set(p.queue, (list = []));
    if (front) {
      // Keep submission order among requeued sends.
      const i = list.findIndex((x) => x.seq > p.seq);
      if (i < 0) list.push(p);
      else list.splice(i, 0, p);
    } else list.push(p);
  }

  private sendTimedOut(p: PendingSend): void {
    if (p.done) return;
    const seconds = Math.round(this.opts.sendTimeoutMs / 1000);
    const inFlight = p.delivery !== undefined;
    const reason = p.lastReason ?? (this.stateValue === 'connected' ? 'no answer from the broker' : this.stateValue);
    const args = { messageId: p.messageId, queue: p.queue, seconds, reason: maskForLog(reason) };
    const mayHaveArrived = p.uncertain || inFlight;
    this.finish(p, new BusSendError(mayHaveArrived ? 'bus.sendTimeout.unknown' : 'bus.sendTimeout.notSent', args, p.messageId, p.queue, mayHaveArrived));
  }

  private failSend(p: PendingSend, cause: KprError): void {
    if (p.done) return;
    const mayHaveArrived = p.uncertain || p.delivery !== undefined;
    const e = new BusSendError(cause.key as BusErrorKey, cause.args, p.messageId, p.queue, mayHaveArrived, cause);
    this.finish(p, e);
  }

  private finish(p: PendingSend, error?: Error): void {
    if (p.done) return;
    p.done = true;
    clearTimeout(p.timer);
    this.pending.delete(p);
    if (p.link && p.delivery) p.link.inflight.delete(p.delivery);
    p.link = undefined;
    p.delivery = undefined;
    const list = this.waiting.get(p.queue);
    if (list) {
      const i = list.indexOf(p);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.waiting.delete(p.queue);
    }
    if (error) p.reject(error);
    else p.resolve();
  }

  /** Hands waiting sends of `queue` to its sender link, as far as the broker's credit allows. */
  private pump(queue: string): void {
    const gen = this.current;
    const list = this.waiting.get(queue);
    if (!gen || gen.dead || !list || list.length === 0) return;
    const link = this.senderLink(gen, queue);
    if (!link || !link.open || link.dead) return;
    // Only an open link on a live connection is used: rhea may still call a dead sender sendable.
    while (list.length > 0 && link.sender.is_open() && link.sender.sendable() && !gen.dead) {
      const p = list.shift()!;
      try {
        const delivery = link.sender.send(p.payload, undefined, 0);
        p.link = link;
        p.delivery = delivery;
        link.inflight.set(delivery, p);
      } catch (e) {
        // The socket went away under us; the connection's own events will requeue and reconnect.
        p.lastReason = describe(e);
        list.unshift(p);
        break;
      }
    }
    if (list.length === 0) this.waiting.delete(queue);
  }

  private senderLink(gen: Generation, queue: string): SenderLink | undefined {
    const existing = gen.senders.get(queue);
    if (existing) return existing.dead ? undefined : existing;
    const address = `/exchange/${this.address.exchange}/${queue}`;
    // One session per link: the broker ends the whole session when one attach fails.
    const session = gen.connection.create_session();
    session.begin();
    const sender = session.open_sender({
      target: { address, durable: 2 },
      snd_settle_mode: 0,
      autosettle: true,
    });
    const link: SenderLink = { gen, queue, session, sender, open: false, dead: false, inflight: new Map(), failures: 0 };
    gen.senders.set(queue, link);
    sender.on('sender_open', () => {
      link.open = true;
      this.pump(queue);
    });
    sender.on('sendable', () => this.pump(queue));
    sender.on('accepted', (ctx: rhea.EventContext) => this.settled(link, ctx.delivery));
    sender.on('rejected', (ctx: rhea.EventContext) => {
      const remote = ctx.delivery?.remote_state as { error?: rhea.AmqpError } | undefined;
      const { condition, description } = amqpErrorParts(remote?.error);
      this.settled(link, ctx.delivery, (p) =>
        err('bus.rejected', { messageId: p.messageId, queue, reason: maskForLog([condition, description].filter(Boolean).join(' ') || 'rejected') }),
      );
    });
    for (const outcome of ['released', 'modified'] as const) {
      sender.on(outcome, (ctx: rhea.EventContext) =>
        this.settled(link, ctx.delivery, (p) => err('bus.released', { messageId: p.messageId, queue, outcome })),
      );
    }
    const onLinkError = (e: unknown) => {
      if (link.dead) return;
      const error = this.classifyLinkError(e, address, queue);
      const permanent = error.key !== 'bus.linkFailed';
      this.senderLinkDied(link, error.message);
      if (permanent) {
        // A missing exchange or missing permission will not heal by retrying: fail what waits for this queue.
        gen.senders.delete(queue);
        for (const p of [...(this.waiting.get(queue) ?? [])]) this.failSend(p, error);
        return;
      }
      link.failures++;
      link.retryTimer = setTimeout(() => {
        if (gen.senders.get(queue) === link) gen.senders.delete(queue);
        this.pump(queue);
      }, backoffDelay(link.failures, this.policy));
    };
    sender.on('sender_error', () => onLinkError(sender.error));
    sender.on('sender_close', () => onLinkError(sender.error ?? { condition: 'amqp:link:detach-forced', description: 'link closed' }));
    session.on('session_error', () => onLinkError(session.error));
    session.on('session_close', () => onLinkError(session.error ?? { condition: 'amqp:session:ended', description: 'session ended' }));
    return link;
  }

  private settled(link: SenderLink, delivery: rhea.Delivery | undefined, failure?: (p: PendingSend) => KprError): void {
    if (!delivery) return;
    const p = link.inflight.get(delivery);
    if (!p) return;
    link.inflight.delete(delivery);
    if (failure) {
      const cause = failure(p);
      // Definite refusal of this copy; an earlier copy lost with a dropped connection may still have arrived.
      this.finish(p, new BusSendError(cause.key as BusErrorKey, cause.args, p.messageId, p.queue, p.uncertain, cause));
    } else {
      this.finish(p);
    }
    if (!link.dead) this.pump(link.queue);
  }

  /** Puts the link's unsettled sends back in line; they go again, unchanged, on the next live link. */
  private senderLinkDied(link: SenderLink, reason: string): void {
    if (link.dead) return;
    link.dead = true;
    clearTimeout(link.retryTimer);
    for (const p of link.inflight.values()) {
      if (p.done) continue;
      p.uncertain = true;
      p.lastReason = reason;
      p.link = undefined;
      p.delivery = undefined;
      this.enqueue(p, true);
    }
    link.inflight.clear();
    for (const p of this.waiting.get(link.queue) ?? []) p.lastReason = reason;
    try {
      link.session.close();
    } catch {
      /* the session is gone already */
    }
  }

  // ---------------------------------------------------------------- receiving

  /**
   * Receives from `queue` (`/amq/queue/<queue>`). Each message is accepted only after `handler` resolves,
   * and released (to be delivered again) if it throws. Messages are handled one at a time, in order.
   * Delivery is at least once: the handler must be idempotent on the message id.
   * Resolves once the receiver is attached; rejects if the queue does not exist or may not be read.
   */
  receive(queue: string, handler: BusHandler, options: { prefetch?: number } = {}): Promise<BusSubscription> {
    assertBusName(queue, 'queue');
    if (this.closing) return Promise.reject(this.fatal ?? err('bus.closed'));
    const sub: Subscription = {
      queue,
      handler,
      prefetch: Math.max(1, options.prefetch ?? this.opts.prefetch),
      closed: false,
      attached: false,
      failures: 0,
    };
    const handle: BusSubscription = { queue, close: () => this.closeSubscription(sub) };
    return new Promise<BusSubscription>((resolve, reject) => {
      sub.firstAttach = {
        resolve: () => resolve(handle),
        reject: (e) => {
          this.subs.delete(sub);
          sub.closed = true;
          reject(e);
        },
      };
      this.subs.add(sub);
      this.attachReceiver(sub);
    });
  }

  private attachReceiver(sub: Subscription): void {
    const gen = this.current;
    if (sub.closed || !gen || gen.dead) return;
    if (sub.link && !sub.link.dead && sub.link.gen === gen) return;
    clearTimeout(sub.retryTimer);
    sub.retryTimer = undefined;
    const address = `/amq/queue/${sub.queue}`;
    const session = gen.connection.create_session();
    session.begin();
    // Credit is managed by hand (credit_window 0) so the broker never hands over more than `prefetch` unsettled messages.
    const receiver = session.open_receiver({
      source: { address, durable: 2 },
      autoaccept: false,
      credit_window: 0,
      rcv_settle_mode: 0,
    });
    const link: ReceiverLink = { gen, sub, session, receiver, dead: false, work: [], stopping: false };
    sub.link = link;
    receiver.on('receiver_open', () => {
      if (link.dead) return;
      sub.attached = true;
      sub.failures = 0;
      receiver.add_credit(sub.prefetch);
      const first = sub.firstAttach;
      sub.firstAttach = undefined;
      first?.resolve();
    });
    receiver.on('message', (ctx: rhea.EventContext) => {
      if (link.dead || !ctx.delivery || !ctx.message) return;
      link.work.push({ delivery: ctx.delivery, message: ctx.message });
      this.kick(link);
    });
    const onLinkError = (e: unknown) => {
      if (link.dead) return;
      const error = this.classifyLinkError(e, address, sub.queue);
      this.receiverLinkDied(link);
      try {
        session.close();
      } catch {
        /* gone already */
      }
      if (sub.closed) return;
      const first = sub.firstAttach;
      if (first && error.key !== 'bus.linkFailed') {
        sub.firstAttach = undefined;
        first.reject(error);
        return;
      }
      this.warn({ queue: sub.queue, error });
      sub.failures++;
      sub.retryTimer = setTimeout(() => {
        sub.retryTimer = undefined;
        this.attachReceiver(sub);
      }, backoffDelay(sub.failures, this.policy));
    };
    receiver.on('receiver_error', () => onLinkError(receiver.error));
    receiver.on('receiver_close', () => onLinkError(receiver.error ?? { condition: 'amqp:link:detach-forced', description: 'link closed' }));
    session.on('session_error', () => onLinkError(session.error));
    session.on('session_close', () => onLinkError(session.error ?? { condition: 'amqp:session:ended', description: 'session ended' }));
  }

  /** Deliveries of a dead link cannot be settled; the broker gives them to the next receiver. */
  private receiverLinkDied(link: ReceiverLink): void {
    link.dead = true;
    link.work.length = 0;
  }

  private kick(link: ReceiverLink): void {
    if (link.processing) return;
    link.processing = this.runWork(link).finally(() => {
      link.processing = undefined;
      if (link.work.length > 0 && !link.dead && !link.stopping) this.kick(link);
    });
  }

  private async runWork(link: ReceiverLink): Promise<void> {
    while (link.work.length > 0 && !link.dead && !link.stopping) {
      const { delivery, message } = link.work.shift()!;
      const incoming = decodeMessage(link.sub.queue, message);
      let ok = false;
      try {
        await link.sub.handler(incoming);
        ok = true;
      } catch (e) {
        this.warn({ queue: link.sub.queue, messageId: incoming.messageId, error: e });
        if (this.opts.redeliveryDelayMs > 0 && !link.dead && !link.stopping) await sleep(this.opts.redeliveryDelayMs);
      }
      if (link.dead || link.gen.dead || !link.receiver.is_open()) break;
      if (ok) delivery.accept();
      else delivery.release();
      // One settled, one more may come. (RabbitMQ 3.10 redelivers a released message outside the link credit,
      // which makes rhea print "Received transfer when credit was 0"; harmless, the window grows by one.)
      link.receiver.add_credit(1);
      // rhea merges dispositions issued in the same tick into one range with the first one's outcome; its
      // flush runs on process.nextTick, which always precedes setImmediate, so each disposition goes out alone.
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Lets the handler finish and settle the message in hand (bounded), then detaches. */
  private async stopReceiving(link: ReceiverLink, graceMs: number): Promise<void> {
    link.stopping = true;
    // Messages not yet handed to the handler stay unsettled; the broker gives them out again after the detach.
    link.work.length = 0;
    if (link.processing) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([link.processing, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.receiverLinkDied(link);
  }

  private async closeSubscription(sub: Subscription): Promise<void> {
    if (sub.closed) return;
    sub.closed = true;
    this.subs.delete(sub);
    clearTimeout(sub.retryTimer);
    const link = sub.link;
    if (!link || link.dead) return;
    await this.stopReceiving(link, 5000);
    if (link.gen.dead) return;
    const closed = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      link.receiver.once('receiver_close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    try {
      link.receiver.close();
      await closed;
      link.session.close();
    } catch {
      /* the connection went away meanwhile: nothing left to close */
    }
  }

  // ---------------------------------------------------------------- closing

  /** Lets handlers in progress settle their message, fails unsent messages, and closes the connection. */
  close(): Promise<void> {
    if (this.closingPromise) return this.closingPromise;
    if (this.closing && !this.current) return Promise.resolve();
    this.closingPromise = this.shutdown();
    return this.closingPromise;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.stableTimer);
    this.reconnectTimer = undefined;
    for (const p of [...this.pending]) {
      const mayHaveArrived = p.uncertain || p.delivery !== undefined;
      this.finish(
        p,
        new BusSendError(mayHaveArrived ? 'bus.closedUnknown' : 'bus.closed', { messageId: p.messageId }, p.messageId, p.queue, mayHaveArrived),
      );
    }
    const stopping: Promise<void>[] = [];
    for (const sub of [...this.subs]) {
      sub.closed = true;
      clearTimeout(sub.retryTimer);
      if (sub.link && !sub.link.dead) stopping.push(this.stopReceiving(sub.link, 5000));
      sub.firstAttach?.reject(err('bus.closed'));
    }
    this.subs.clear();
    await Promise.all(stopping);
    const gen = this.current;
    this.current = undefined;
    if (gen && !gen.dead) {
      gen.dead = true;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.killGeneration(gen);
          resolve();
        }, 2000);
        const done = () => {
          clearTimeout(t);
          resolve();
        };
        gen.connection.once('connection_close', done);
        gen.connection.once('disconnected', done);
        try {
          gen.connection.close();
        } catch {
          done();
        }
      });
      this.killGeneration(gen);
    }
    this.setState({ state: 'disconnected', reason: 'closed' });
  }
}

// ---------------------------------------------------------------- helpers

function encodeMessage(msg: OutgoingBusMessage): Buffer {
  const m: Record<string, unknown> = {
    message_id: msg.messageId,
    durable: true,
    body: rhea.message.data_section(msg.body),
  };
  if (msg.subject !== undefined) m.subject = msg.subject;
  if (msg.to !== undefined) m.to = msg.to;
  if (msg.replyTo !== undefined) m.reply_to = msg.replyTo;
  if (msg.correlationId !== undefined) m.correlation_id = msg.correlationId;
  if (msg.contentType !== undefined) m.content_type = msg.contentType;
  if (msg.applicationProperties) m.application_properties = { ...msg.applicationProperties };
  // Encoded once, so every resend after a reconnect is byte-identical (same message_id).
  return rhea.message.encode(m);
}

function idToString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.length === 16 ? rhea.uuid_to_string(v) : v.toString('hex');
  return String(v);
}

function bodyToBuffer(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  const section = body as { typecode?: number; content?: unknown };
  if (section.typecode === 0x75) {
    const c = section.content;
    if (Array.isArray(c)) return Buffer.concat(c.map((x) => (Buffer.isBuffer(x) ? x : Buffer.from(String(x)))));
    return Buffer.isBuffer(c) ? c : Buffer.from(String(c ?? ''));
  }
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(section.content ?? body), 'utf8');
}

function decodeMessage(queue: string, m: rhea.Message): IncomingBusMessage {
  const props = (m.application_properties ?? {}) as Record<string, unknown>;
  return {
    queue,
    messageId: idToString(m.message_id),
    subject: m.subject,
    to: m.to,
    replyTo: m.reply_to,
    correlationId: idToString(m.correlation_id),
    contentType: m.content_type,
    applicationProperties: { ...props },
    body: bodyToBuffer(m.body),
    deliveryCount: Number(m.delivery_count ?? 0),
    firstAcquirer: m.first_acquirer !== false,
  };
}

function amqpErrorParts(e: unknown): { condition?: string; description?: string } {
  if (!e || typeof e !== 'object') return { description: e === undefined ? undefined : String(e) };
  const o = e as { condition?: unknown; description?: unknown; message?: unknown };
  const condition = typeof o.condition === 'string' ? o.condition : undefined;
  const description = typeof o.description === 'string' ? o.description : typeof o.message === 'string' ? o.message : undefined;
  return { condition, description };
}

function describe(e: unknown): string {
  if (e instanceof Error) return maskForLog(e.message);
  const { condition, description } = amqpErrorParts(e);
  return maskForLog([condition, description].filter(Boolean).join(' ') || String(e));
}


function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
