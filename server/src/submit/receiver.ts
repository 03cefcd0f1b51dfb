/**
 * Receiving KPR's answers: Apprecs on the municipality's own `_async` queue and transport errors on its
 * `_error` queue (DOMAIN.md §8–9), applied to the sending journal.
 *
 * - An Apprec is decrypted with the municipality's decryption certificate and its signature verified. When
 *   KPR's signing certificate for the environment is configured, only that signer is accepted; when it is
 *   not, any intact signature is accepted and the listener says so (`trust`), because then the signature
 *   proves that the receipt was not altered, not who wrote it.
 * - Correlation is by `OriginalMsgId/Id` only (never by the AMQP correlation id), transport errors by their
 *   `originalMessageId`. Applying the same receipt twice changes nothing (the journal is idempotent), which
 *   is what at-least-once delivery needs.
 * - Nothing is dropped. A receipt for a MsgId the journal does not know is saved in an «unmatched» folder
 *   next to the journal. A message that cannot be decrypted, verified or read is saved, as received, in a
 *   «quarantine» folder next to the journal, with why, and only then taken off the queue. It is not released
 *   back: it would come straight back and fail the same way, over and over (the broker's redelivery is
 *   immediate); and it is not rejected: RabbitMQ then discards it unless a dead-letter exchange is configured,
 *   which NHN's queue set-up does not promise. Helsenorge.Messaging likewise completes such messages after
 *   reporting them. If saving fails, the handler fails and the bus releases the message for a later try.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { defineErrors, KprError } from '../errors';
import { maskForLog, maskPersonIds } from '../privacy';
import { decodeXml } from '../xml/encoding';
import { Apprec, isApprec, parseApprec } from './apprec';
import { KprConfig } from './config';
import { CertificateDescription, describeCertificate, LoadedCertificate, loadCertificates } from './crypto/certificates';
import { decryptAndVerify, Recipient, VerifiedContent } from './crypto/cms';
import { KprEnvironment } from './environments';
import { findRootElement } from './msghead';
import { ApplyResult, ApprecSummary, Journal, JournalEntry, JournalState } from './journal';
import { connectBus, ContextualError, loadDecryptionBundle } from './submitter';
import { BusConnection, BusConnectionOptions, BusSubscription } from './transport/bus';
import { IncomingBusMessage, parseTransportError, TransportError } from './transport/message';

const err = defineErrors({
  'receiver.signingCert': {
    nb: 'KPRs signeringssertifikat i «{field}» ({path}) kan ikke leses: {reason}',
    en: 'KPR\'s signing certificate in "{field}" ({path}) cannot be read: {reason}',
  },
  'receiver.notApprec': {
    nb: 'Meldingen på {queue} er ikke en applikasjonskvittering (rotelement {root}).',
    en: 'The message on {queue} is not an application receipt (root element {root}).',
  },
  'receiver.notTransportError': {
    nb: 'Meldingen på {queue} er ikke en transportfeil: egenskapen originalMessageId mangler.',
    en: 'The message on {queue} is not a transport error: the property originalMessageId is missing.',
  },
  'receiver.unreadable': {
    nb: 'Meldingen på {queue} kunne ikke leses: {reason}',
    en: 'The message on {queue} could not be read: {reason}',
  },
  'receiver.emptyBody': {
    nb: 'Meldingen på {queue} er tom.',
    en: 'The message on {queue} is empty.',
  },
  'receiver.saveFailed': {
    nb: 'Kan ikke lagre meldingen i {dir}: {reason}. Den blir liggende på køen og prøves igjen.',
    en: 'Cannot save the message in {dir}: {reason}. It stays on the queue and is tried again.',
  },
  'receiver.trust.configured': {
    nb: 'Kvitteringer godtas bare når de er signert med KPRs signeringssertifikat for miljøet «{env}» ({subject}).',
    en: 'Receipts are accepted only when signed with KPR\'s signing certificate for environment "{env}" ({subject}).',
  },
  'receiver.trust.any': {
    nb: 'KPRs signeringssertifikat for miljøet «{env}» er ikke satt opp (certificates.kpr.{env}.signingCert). Signaturen på kvitteringene kontrolleres mot sertifikatet som ligger i meldingen: det viser at kvitteringen ikke er endret, men ikke at den kommer fra KPR. Sett opp sertifikatet for å godta bare KPR.',
    en: 'KPR\'s signing certificate for environment "{env}" is not configured (certificates.kpr.{env}.signingCert). Receipt signatures are checked against the certificate carried in the message: that shows the receipt was not altered, not that KPR sent it. Configure the certificate to accept KPR only.',
  },
});

/** Who the listener believes: KPR's configured certificate(s), or any intact signature. */
export type ApprecTrust =
  | { kind: 'configured'; env: KprEnvironment; certificates: CertificateDescription[]; note: KprError }
  | { kind: 'any-valid-signature'; env: KprEnvironment; note: KprError };

export interface SignerInfo {
  subject: string;
  fingerprintSha256: string;
  /** True when the signer is one of KPR's configured certificates. */
  trusted: boolean;
}

export type ListenerEvent =
  | {
      kind: 'apprec';
      msgId: string;
      apprec: Apprec;
      /** 'applied': the sending's state changed; 'recorded': kept, state unchanged; 'duplicate': seen before, nothing changed. */
      result: ApplyResult;
      previousState: JournalState;
      entry: JournalEntry;
      signer: SignerInfo;
      /** AMQP message id of the receipt. */
      messageId?: string;
    }
  | {
      kind: 'transport-error';
      msgId: string;
      error: TransportError;
      result: ApplyResult;
      previousState: JournalState;
      entry: JournalEntry;
    }
  | {
      /** A receipt or transport error for a MsgId this journal does not know; saved in `savedTo`. */
      kind: 'unmatched';
      what: 'apprec' | 'transport-error';
      msgId: string;
      savedTo: string;
      apprec?: Apprec;
      error?: TransportError;
    }
  | {
      /** A message that could not be decrypted, verified or read; saved as received in `savedTo`. */
      kind: 'quarantined';
      queue: string;
      messageId?: string;
      reason: KprError;
      savedTo: string;
    };

export interface ApprecListenerOptions {
  /** The journal to apply receipts to. */
  journal: Journal;
  /** Environment whose bus and KPR signing certificate are used. Default: the configured one. */
  env?: KprEnvironment;
  /** A connection to share (e.g. the Submitter's); otherwise one is opened on start and closed on stop. */
  bus?: BusConnection;
  busOptions?: Partial<Omit<BusConnectionOptions, 'url' | 'password'>>;
  /** Default `<journal>-quarantine`. */
  quarantineDir?: string;
  /** Default `<journal>-unmatched`. */
  unmatchedDir?: string;
  /** Receipts the bus may hold unsettled at a time. */
  prefetch?: number;
  /** Diagnostic lines (masked). */
  log?: (line: string) => void;
  now?: () => Date;
}

/** Listens for Apprecs and transport errors and applies them to the journal. */
export class ApprecListener {
  readonly env: KprEnvironment;
  readonly quarantineDir: string;
  readonly unmatchedDir: string;
  readonly trust: ApprecTrust;
  private readonly journal: Journal;
  private readonly listeners = new Set<(e: ListenerEvent) => void>();
  private readonly log: (line: string) => void;
  private readonly now: () => Date;
  private readonly expected: LoadedCertificate[];
  private recipient?: Recipient;
  private bus?: BusConnection;
  private ownsBus = false;
  private subs: BusSubscription[] = [];
  /** While retrying a quarantined message: a failure is reported but not saved again. */
  private retrying = false;

  constructor(
    readonly config: KprConfig,
    private readonly options: ApprecListenerOptions,
  ) {
    this.env = options.env ?? config.environment;
    this.journal = options.journal;
    this.quarantineDir = options.quarantineDir ?? `${config.journalPath}-quarantine`;
    this.unmatchedDir = options.unmatchedDir ?? `${config.journalPath}-unmatched`;
    const sink = options.log;
    this.log = (line) => sink?.(maskForLog(line));
    this.now = options.now ?? (() => new Date());
    this.expected = loadExpectedSigners(config, this.env);
    this.trust =
      this.expected.length > 0
        ? {
            kind: 'configured',
            env: this.env,
            certificates: this.expected.map(describeCertificate),
            note: err('receiver.trust.configured', { env: this.env, subject: this.expected.map((c) => describeCertificate(c).subject.dn).join('; ') }),
          }
        : { kind: 'any-valid-signature', env: this.env, note: err('receiver.trust.any', { env: this.env }) };
  }

  /** Subscribes to events; returns an unsubscribe function. */
  on(listener: (e: ListenerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Loads the decryption key (a wrong passphrase fails here, before any message is taken), connects if no
   * connection was given, and starts receiving on the own `_async` and `_error` queues.
   */
  async start(): Promise<void> {
    if (this.subs.length > 0) return;
    this.loadRecipient();
    if (!this.bus) {
      if (this.options.bus) this.bus = this.options.bus;
      else {
        this.bus = await connectBus(this.config, this.env, this.options.busOptions, this.log);
        this.ownsBus = true;
      }
    }
    const prefetch = this.options.prefetch !== undefined ? { prefetch: this.options.prefetch } : {};
    try {
      this.subs.push(await this.bus.receive(this.config.amqp.asyncQueue, (m) => this.handleAsync(m), prefetch));
      this.subs.push(await this.bus.receive(this.config.amqp.errorQueue, (m) => this.handleError(m), prefetch));
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.log(`receiver: listening on ${this.config.amqp.asyncQueue} and ${this.config.amqp.errorQueue}`);
  }

  /** Stops receiving; closes the connection if the listener opened it. Messages not yet handled stay queued. */
  async stop(): Promise<void> {
    const subs = this.subs;
    this.subs = [];
    for (const s of subs) await s.close().catch(() => undefined);
    if (this.ownsBus && this.bus) {
      const bus = this.bus;
      this.bus = undefined;
      this.ownsBus = false;
      await bus.close();
    }
  }

  /** Handles one message from the `_async` queue. Public so that a saved message can be processed again. */
  async handleAsync(msg: IncomingBusMessage): Promise<void> {
    let verified: VerifiedContent;
    let apprec: Apprec;
    let text: string;
    try {
      if (msg.body.length === 0) throw err('receiver.emptyBody', { queue: msg.queue });
      const recipient = this.loadRecipient();
      verified = decryptAndVerify(msg.body, recipient, this.expected.length > 0 ? { expectedSigner: this.expected, now: this.now() } : { now: this.now() });
      text = decodeXml(verified.content).text;
      if (!isApprec(text)) throw err('receiver.notApprec', { queue: msg.queue, root: rootName(text) });
      apprec = parseApprec(text);
    } catch (e) {
      if (isLocalSetupError(e)) throw e;
      await this.quarantine(msg, e);
      return;
    }

    const msgId = apprec.originalMsgId.id;
    // The journal keeps the receipt's text; free text in it could quote a person number.
    const raw = maskPersonIds(text);
    const summary: ApprecSummary = {
      status: apprec.status.code,
      ...(apprec.status.dn ? { statusText: maskPersonIds(apprec.status.dn) } : {}),
      apprecId: apprec.id,
      originalMsgId: msgId,
      originalMsgType: apprec.originalMsgId.msgType,
      issueDate: apprec.originalMsgId.issueDate,
      errors: apprec.errors.map((e) => ({
        code: e.code,
        ...(e.text ? { text: e.text } : {}),
        ...(e.details ? { description: e.details } : {}),
      })),
      raw,
    };
    const signerDesc = describeCertificate(verified.signer);
    const signer: SignerInfo = {
      subject: signerDesc.subject.dn,
      fingerprintSha256: signerDesc.fingerprintSha256,
      trusted: this.expected.length > 0,
    };

    const before = this.journal.get(msgId);
    if (!before) {
      const savedTo = this.saveUnmatched(`apprec-${safeName(msgId)}`, raw, {
        what: 'apprec',
        originalMsgId: msgId,
        originalMsgType: apprec.originalMsgId.msgType,
        status: apprec.status.code,
        apprecId: apprec.id,
        signer,
        queue: msg.queue,
        messageId: msg.messageId,
        receivedAt: this.now().toISOString(),
      });
      this.log(`receiver: Apprec ${apprec.id} for unknown MsgId ${msgId} (status ${apprec.status.code}) saved in ${savedTo}`);
      this.emit({ kind: 'unmatched', what: 'apprec', msgId, savedTo, apprec });
      return;
    }
    // Journal errors (locked, disk full) propagate: the bus releases the message and it is tried again.
    const result = this.journal.applyApprec(msgId, summary);
    const entry = this.journal.get(msgId) ?? before;
    this.log(`receiver: Apprec ${apprec.id} for ${msgId}: status ${apprec.status.code} (${result}); ${before.state} → ${entry.state}`);
    this.emit({ kind: 'apprec', msgId, apprec, result, previousState: before.state, entry, signer, ...(msg.messageId ? { messageId: msg.messageId } : {}) });
  }

  /** Handles one message from the `_error` queue. */
  async handleError(msg: IncomingBusMessage): Promise<void> {
    const te = parseTransportError(msg);
    if (!te) {
      await this.quarantine(msg, err('receiver.notTransportError', { queue: msg.queue }));
      return;
    }
    const msgId = te.originalMessageId;
    const before = this.journal.get(msgId);
    if (!before) {
      const savedTo = this.saveUnmatched(`transport-error-${safeName(msgId)}`, undefined, {
        what: 'transport-error',
        originalMessageId: msgId,
        errorCondition: te.errorCondition,
        errorDescription: maskPersonIds(te.errorDescription),
        messageId: te.messageId,
        properties: te.properties,
        queue: msg.queue,
        receivedAt: this.now().toISOString(),
      });
      this.log(`receiver: transport error for unknown MsgId ${msgId} (${te.errorCondition}) saved in ${savedTo}`);
      this.emit({ kind: 'unmatched', what: 'transport-error', msgId, savedTo, error: te });
      return;
    }
    const result = this.journal.applyTransportError(msgId, {
      errorCondition: te.errorCondition,
      errorDescription: maskPersonIds(te.errorDescription),
      ...(te.messageId ? { messageId: te.messageId } : {}),
      properties: te.properties,
    });
    const entry = this.journal.get(msgId) ?? before;
    this.log(`receiver: transport error for ${msgId}: ${te.errorCondition} (${result}); ${before.state} → ${entry.state}`);
    this.emit({ kind: 'transport-error', msgId, error: te, result, previousState: before.state, entry });
  }

  /**
   * Tries the quarantined messages again (e.g. after the decryption certificate or KPR's signing certificate
   * was corrected). A message that now goes through is applied and its files move to `processed/`; one that
   * still fails stays where it is.
   */
  async retryQuarantined(): Promise<{ retried: number; applied: number; stillFailing: number }> {
    const dir = this.quarantineDir;
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      return { retried: 0, applied: 0, stillFailing: 0 };
    }
    let applied = 0;
    let stillFailing = 0;
    for (const name of names.sort()) {
      const metaPath = nodePath.join(dir, name);
      let meta: { queue?: string; messageId?: string; subject?: string; correlationId?: string; replyTo?: string; contentType?: string; applicationProperties?: Record<string, string>; body?: string };
      try {
        meta = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
      } catch {
        continue;
      }
      const bodyPath = nodePath.join(dir, meta.body ?? name.replace(/\.json$/, '.p7m'));
      let body: Buffer;
      try {
        body = fs.readFileSync(bodyPath);
      } catch {
        continue;
      }
      const queue = meta.queue ?? this.config.amqp.asyncQueue;
      const msg: IncomingBusMessage = {
        queue,
        ...(meta.messageId ? { messageId: meta.messageId } : {}),
        ...(meta.subject ? { subject: meta.subject } : {}),
        ...(meta.correlationId ? { correlationId: meta.correlationId } : {}),
        ...(meta.replyTo ? { replyTo: meta.replyTo } : {}),
        ...(meta.contentType ? { contentType: meta.contentType } : {}),
        applicationProperties: meta.applicationProperties ?? {},
        body,
        deliveryCount: 0,
        firstAcquirer: false,
      };
      let failed = false;
      const off = this.on((e) => {
        if (e.kind === 'quarantined') failed = true;
      });
      this.retrying = true;
      try {
        if (queue === this.config.amqp.errorQueue) await this.handleError(msg);
        else await this.handleAsync(msg);
      } finally {
        this.retrying = false;
        off();
      }
      if (failed) {
        stillFailing++;
        continue;
      }
      applied++;
      const done = nodePath.join(dir, 'processed');
      fs.mkdirSync(done, { recursive: true, mode: 0o700 });
      fs.renameSync(bodyPath, nodePath.join(done, nodePath.basename(bodyPath)));
      fs.renameSync(metaPath, nodePath.join(done, name));
    }
    return { retried: applied + stillFailing, applied, stillFailing };
  }

  // ------------------------------------------------------------------ keeping what cannot be applied

  /** Saves a message as received (body + metadata) and reports it; throws (→ released) if it cannot be saved. */
  private async quarantine(msg: IncomingBusMessage, reason: unknown): Promise<void> {
    const error = reason instanceof KprError ? reason : new ContextualError('receiver.unreadable', { queue: msg.queue }, reason);
    const stem = `${stamp(this.now())}-${safeName(msg.queue)}-${createHash('sha256').update(msg.body).digest('hex').slice(0, 16)}`;
    const meta = {
      queue: msg.queue,
      messageId: msg.messageId,
      // Properties come from the sender and could carry anything: masked like every other output.
      subject: msg.subject === undefined ? undefined : maskForLog(String(msg.subject)),
      correlationId: msg.correlationId === undefined ? undefined : maskForLog(String(msg.correlationId)),
      replyTo: msg.replyTo,
      contentType: msg.contentType,
      applicationProperties: stringify(msg.applicationProperties),
      deliveryCount: msg.deliveryCount,
      receivedAt: this.now().toISOString(),
      reason: { key: error.key, message: maskForLog(error.message) },
      body: `${stem}.p7m`,
    };
    const dir = this.quarantineDir;
    const existing = findSaved(dir, msg.body);
    let savedTo: string;
    try {
      if (existing || this.retrying) savedTo = existing ?? dir;
      else {
        savedTo = nodePath.join(dir, `${stem}.p7m`);
        writeDurably(dir, `${stem}.p7m`, msg.body);
        writeDurably(dir, `${stem}.json`, Buffer.from(JSON.stringify(meta, null, 2) + '\n', 'utf8'));
      }
    } catch (e) {
      throw err('receiver.saveFailed', { dir, reason: (e as NodeJS.ErrnoException).code ?? String(e) }, e);
    }
    this.log(`receiver: message ${msg.messageId ?? '(no id)'} on ${msg.queue} quarantined in ${savedTo}: ${error.message}`);
    this.emit({ kind: 'quarantined', queue: msg.queue, ...(msg.messageId ? { messageId: msg.messageId } : {}), reason: error, savedTo });
  }

  /** Saves an unmatched receipt once (named by its content), returns the path of its metadata or XML. */
  private saveUnmatched(stem: string, xml: string | undefined, meta: Record<string, unknown>): string {
    const dir = this.unmatchedDir;
    const content = xml ?? JSON.stringify({ ...meta, receivedAt: undefined });
    const name = `${stem}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
    const target = nodePath.join(dir, xml !== undefined ? `${name}.xml` : `${name}.json`);
    try {
      if (!fs.existsSync(target)) {
        if (xml !== undefined) writeDurably(dir, `${name}.xml`, Buffer.from(xml, 'utf8'));
        writeDurably(dir, `${name}.json`, Buffer.from(JSON.stringify(meta, null, 2) + '\n', 'utf8'));
      }
    } catch (e) {
      throw err('receiver.saveFailed', { dir, reason: (e as NodeJS.ErrnoException).code ?? String(e) }, e);
    }
    return target;
  }

  private loadRecipient(): Recipient {
    if (!this.recipient) {
      const bundle = loadDecryptionBundle(this.config);
      this.recipient = { cert: bundle.certificate, key: bundle.privateKey };
    }
    return this.recipient;
  }

  private emit(e: ListenerEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (x) {
        this.log(`receiver: event listener failed: ${String(x)}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------

function loadExpectedSigners(config: KprConfig, env: KprEnvironment): LoadedCertificate[] {
  const file = config.certificates.kpr[env]?.signingCert;
  if (!file) return [];
  const field = `certificates.kpr.${env}.signingCert`;
  try {
    // A file may hold more than one certificate: during KPR's certificate rollover both are accepted.
    return loadCertificates(fs.readFileSync(file));
  } catch (e) {
    throw new ContextualError('receiver.signingCert', { field, path: file }, e instanceof KprError ? e : ((e as NodeJS.ErrnoException).code ?? e));
  }
}

function rootName(text: string): string {
  try {
    const root = findRootElement(text);
    return root.namespace ? `${root.qname} (${root.namespace})` : root.qname;
  } catch {
    return '?';
  }
}

/**
 * Errors about our own set-up (no decryption certificate configured, a wrong passphrase) say nothing about
 * the message: it stays on the queue for when the set-up is fixed, rather than being quarantined.
 */
function isLocalSetupError(e: unknown): boolean {
  return e instanceof KprError && (e.key === 'submit.missingSetting' || e.key === 'submit.missingSecret' || e.key === 'submit.p12');
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

function safeName(s: string): string {
  return maskPersonIds(s).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) || 'unnamed';
}

function stringify(props: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null) continue;
    out[k] = maskForLog(Buffer.isBuffer(v) ? v.toString('hex') : v instanceof Date ? v.toISOString() : String(v));
  }
  return out;
}

/** A quarantined copy of the same body already saved (a redelivery), if any. */
function findSaved(dir: string, body: Buffer): string | undefined {
  const suffix = `-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.p7m`;
  try {
    const hit = fs.readdirSync(dir).find((n) => n.endsWith(suffix));
    return hit ? nodePath.join(dir, hit) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a file and fsyncs it and its directory, so what was taken off the queue survives a crash. */
function writeDurably(dir: string, name: string, data: Buffer): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = nodePath.join(dir, name);
  const tmp = `${target}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    let written = 0;
    while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
  let dfd: number | undefined;
  try {
    dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
  } catch {
    /* some file systems refuse fsync on a directory; the file itself is synced */
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd);
  }
}
