/**
 * The submission engine: check → pack (MsgHead, sign, encrypt) → journal → send, for the `kpr` command line
 * and the VS Code extension alike.
 *
 * KPR_IPL (fagmelding) and KPR_IDE (identmelding) go as two separate sendings (the yearly letter says so).
 * Every sending is written to the journal, durably, *before* it is handed to the bus, and marked sent only
 * when the broker has accepted it; a crash in between leaves a trace that the journal reconciles into
 * 'sending-unconfirmed', so a message is never silently sent twice. Everything that can be found wrong
 * before anything is recorded (check errors, a wrong passphrase, a missing certificate, an earlier sending
 * of the same content that still waits for its Apprec, an unreachable bus) is refused before the journal
 * is touched.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { checkBytes } from '../analysis/checkFile';
import { checkPair } from '../analysis/pairing';
import { DocumentSummary } from '../analysis/summary';
import { defaultSettings, Finding, KprSettings, Severity } from '../analysis/types';
import { defineErrors, KprError } from '../errors';
import { Lang, MessageArgs, t } from '../i18n';
import { maskForLog, maskPersonIds } from '../privacy';
import { LineIndex } from '../xml/lineIndex';
import { ENV_VARS, KprConfig } from './config';
import { CertificateBundle, LoadedCertificate, loadCertificate, loadPkcs12 } from './crypto/certificates';
import { Signer, signAndEncrypt } from './crypto/cms';
import { EnvironmentSettings, isKprEnvironment, KPR_ENVIRONMENTS, KprEnvironment } from './environments';
import { Journal, JournalEntry } from './journal';
import { detectPayloadType, KprMsgType, packMsgHead } from './msghead';
import { BusConnection, BusConnectionOptions, BusSendError } from './transport/bus';
import { buildBusMessage } from './transport/message';

const MESSAGES = {
  'submit.prepare.unreadable': {
    nb: 'Kan ikke lese {file}: {reason}.',
    en: 'Cannot read {file}: {reason}.',
  },
  'submit.prepare.envelope': {
    nb: '{file} er allerede pakket i en hodemelding. Send selve fagmeldingen eller identmeldingen; kpr lager hodemeldingen med en ny MsgId.',
    en: '{file} is already wrapped in a Hodemelding. Send the fagmelding or identmelding itself; kpr builds the Hodemelding with a new MsgId.',
  },
  'submit.prepare.notPayload': {
    nb: '{file} kan ikke sendes til KPR: {reason}',
    en: '{file} cannot be sent to KPR: {reason}',
  },
  'submit.noFiles': {
    nb: 'Ingen filer å sende.',
    en: 'No files to send.',
  },
  'submit.sameTypeTwice': {
    nb: 'Både {first} og {second} er {type}. Send én fagmelding (KPR_IPL) og/eller én identmelding (KPR_IDE) om gangen – hele årgangen samlet.',
    en: 'Both {first} and {second} are {type}. Send one fagmelding (KPR_IPL) and/or one identmelding (KPR_IDE) at a time – the whole year at once.',
  },
  'submit.checkErrors': {
    nb: 'Sendingen avvises: kontrollen fant {count} feil i {files}. Rett feilene (se «kpr check») før du sender.',
    en: 'The sending is refused: the check found {count} error(s) in {files}. Fix them (see "kpr check") before sending.',
  },
  'submit.missingSetting': {
    nb: '«{field}» mangler i {file}; det trengs for å {purpose}.',
    en: '"{field}" is missing in {file}; it is needed to {purpose}.',
  },
  'submit.missingSecret': {
    nb: '{what} mangler. Oppgi den i miljøvariabelen {envVar} (eller i VS Codes sikre lagring).',
    en: '{what} is missing. Give it in the environment variable {envVar} (or in VS Code\'s secure storage).',
  },
  'submit.p12': {
    nb: 'PKCS#12-filen i «{field}» ({path}) kan ikke brukes: {reason}',
    en: 'The PKCS#12 file in "{field}" ({path}) cannot be used: {reason}',
  },
  'submit.cert': {
    nb: 'Sertifikatet i «{field}» ({path}) kan ikke brukes: {reason}',
    en: 'The certificate in "{field}" ({path}) cannot be used: {reason}',
  },
  'submit.cancelled': {
    nb: 'Sendingen ble avbrutt før noe ble sendt.',
    en: 'The sending was cancelled before anything was sent.',
  },
  'submit.sendingCancelled': {
    nb: 'Ikke sendt: avbrutt før denne sendingen startet.',
    en: 'Not sent: cancelled before this sending started.',
  },
  'submit.cancelledBeforeSend': {
    nb: 'avbrutt av brukeren før sendingen startet',
    en: 'cancelled by the user before the send started',
  },
  'submit.unknownEnv': {
    nb: 'Ukjent miljø «{env}». Gyldige miljøer er: {valid}.',
    en: 'Unknown environment "{env}". Valid environments are: {valid}.',
  },
  'submit.notAttempted': {
    nb: 'ikke sendt fordi en tidligere sending i samme kjøring feilet',
    en: 'not sent because an earlier sending in the same run failed',
  },
  'submit.purpose.sign': { nb: 'signere sendingen', en: 'sign the sending' },
  'submit.purpose.encrypt': { nb: 'kryptere sendingen til KPR i miljøet «{env}»', en: 'encrypt the sending to KPR in environment "{env}"' },
  'submit.purpose.connect': { nb: 'logge på tjenestebussen', en: 'log in to the service bus' },
  'submit.purpose.decrypt': { nb: 'dekryptere applikasjonskvitteringer', en: 'decrypt Apprecs' },
  'submit.secret.amqpPassword': { nb: 'AMQP-passordet for tjenestebussen', en: 'The AMQP password for the service bus' },
  'submit.secret.signP12Passphrase': { nb: 'Passordet til signerings-PKCS#12-filen', en: 'The passphrase of the signing PKCS#12 file' },
  'submit.secret.decryptP12Passphrase': { nb: 'Passordet til dekrypterings-PKCS#12-filen', en: 'The passphrase of the decryption PKCS#12 file' },
} as const;
type SubmitErrorKey = keyof typeof MESSAGES;
const err = defineErrors<SubmitErrorKey>(MESSAGES);

/**
 * A KprError that wraps another one and puts the inner error's text, in the same language, into its own
 * `{reason}`: "The PKCS#12 file in certificates.signingP12 (…) cannot be used: Wrong passphrase …".
 */
export class ContextualError extends KprError {
  constructor(
    key: string,
    args: MessageArgs,
    readonly inner: unknown,
  ) {
    super(key, { ...args, reason: reasonText(inner, 'en') }, { cause: inner });
    this.name = 'ContextualError';
  }

  /** The key of the innermost KprError (e.g. 'crypto.p12.wrongPassphrase'), for callers that react to it. */
  get innerKey(): string | undefined {
    return this.inner instanceof ContextualError ? this.inner.innerKey : this.inner instanceof KprError ? this.inner.key : undefined;
  }

  override localized(lang: Lang): string {
    return t(lang, this.key, { ...this.args, reason: reasonText(this.inner, lang) });
  }
}

function reasonText(e: unknown, lang: Lang): string {
  if (e instanceof KprError) return e.localized(lang);
  if (e instanceof Error) return maskForLog(e.message);
  return maskForLog(String(e));
}

// ---------------------------------------------------------------------------------------------------------
// Types

/** A payload file read, recognised and checked: what `pack` needs and what a UI shows before sending. */
export interface PreparedFile {
  /** Absolute path. */
  file: string;
  type: KprMsgType;
  /** The payload decoded to text (ISO-8859-1 files included); the MsgHead is UTF-8. */
  payloadText: string;
  /** SHA-256 (hex) of the file's bytes: "the same content" for the journal's resend check. */
  sha256: string;
  /** Size of the file in bytes. */
  size: number;
  /** The encoding the file was read in. */
  encoding: string;
  /** Findings of the KPR checks (the same as `kpr check`), pair findings included when prepared together. */
  findings: Finding[];
  errors: number;
  warnings: number;
  /** For turning finding offsets into line/column. */
  lines: LineIndex;
  summary?: DocumentSummary;
  /** Counts for a confirmation ("412 persons, 1 093 services"). */
  counts: { persons?: number; services?: number; idents?: number };
  /** The reporting period as written in the file (YYYYMMDD). */
  period?: { from?: string; to?: string };
  /** Løpenummer (iiLopenr / Melding@lopenr). */
  lopenr?: string;
}

/** A sending ready for the bus. */
export interface PackedSending {
  prepared: PreparedFile;
  env: KprEnvironment;
  msgId: string;
  type: KprMsgType;
  /** MsgInfo/GenDate; an Apprec echoes it as OriginalMsgId/IssueDate. */
  genDate: string;
  msgHeadXml: string;
  /** DER of the CMS EnvelopedData (signed, then encrypted to KPR). */
  der: Buffer;
  sizes: { payload: number; msgHead: number; der: number };
}

export type SubmitPhase = 'checking' | 'packing' | 'recorded' | 'sending' | 'sent' | 'failed';

export interface SubmitProgress {
  phase: SubmitPhase;
  file: string;
  type?: KprMsgType;
  msgId?: string;
  env: KprEnvironment;
  /** Position of the file in this run (0-based) and the number of files. */
  index: number;
  total: number;
  /**
   * Whether cancelling (the AbortSignal) still stops this sending. False from 'sending' on: once a message
   * is handed to the bus it cannot be called back; it is sent, or the journal records that it may have been.
   */
  cancellable: boolean;
  /** With 'failed'. */
  error?: KprError;
  /** With 'failed': true when the broker may have got the message although it did not confirm it. */
  mayHaveArrived?: boolean;
}

export type SendingState = 'sent' | 'failed' | 'unconfirmed' | 'cancelled' | 'not-attempted';

export interface SendingOutcome {
  file: string;
  type: KprMsgType;
  /** Absent when the sending was never recorded. */
  msgId?: string;
  state: SendingState;
  error?: KprError;
  /** The journal entry after the attempt (when recorded). */
  entry?: JournalEntry;
  sizes?: PackedSending['sizes'];
}

export interface SubmitResult {
  env: KprEnvironment;
  sendings: SendingOutcome[];
  /** True when every sending was accepted by the broker. */
  ok: boolean;
}

export interface SubmitOptions {
  /** Default: the configured environment. */
  env?: KprEnvironment;
  /** Send even though the same content, sent earlier to the same environment, still waits for its Apprec. */
  force?: boolean;
  /** Send even though the KPR checks found errors. */
  allowCheckErrors?: boolean;
  /** Settings for the checks (reporting year, test users, severities). */
  settings?: Partial<KprSettings>;
  /** Files prepared already (e.g. for a confirmation prompt); `files` is then ignored. */
  prepared?: PreparedFile[];
  onProgress?: (e: SubmitProgress) => void;
  /** Cancels the run as long as no message has been handed to the bus (see SubmitProgress.cancellable). */
  signal?: AbortSignal;
}

export interface SubmitterOptions {
  /** The journal to use; default: opened at config.journalPath (and closed by `close`). */
  journal?: Journal;
  /** Extra options for the bus connection (timeouts, reconnect policy, state listener). */
  busOptions?: Partial<Omit<BusConnectionOptions, 'url' | 'password'>>;
  /** Diagnostic lines (already masked). */
  log?: (line: string) => void;
  now?: () => Date;
}

const PAYLOAD_ORDER: Record<KprMsgType, number> = { KPR_IPL: 0, KPR_IDE: 1 };

// ---------------------------------------------------------------------------------------------------------

/** Prepares, packs and sends KPR files for one municipality (one configuration). */
export class Submitter {
  private journalValue?: Journal;
  private ownsJournal = false;
  private readonly log: (line: string) => void;
  private readonly now: () => Date;
  private readonly buses = new Map<KprEnvironment, Promise<BusConnection>>();
  private signerCache?: Signer;
  private readonly encryptionCerts = new Map<KprEnvironment, LoadedCertificate>();

  constructor(
    readonly config: KprConfig,
    private readonly options: SubmitterOptions = {},
  ) {
    this.journalValue = options.journal;
    const sink = options.log;
    this.log = (line) => sink?.(maskForLog(line));
    this.now = options.now ?? (() => new Date());
  }

  /** The sending journal, opened at config.journalPath on first use unless one was given. */
  get journal(): Journal {
    if (!this.journalValue) {
      this.journalValue = Journal.open(this.config.journalPath);
      this.ownsJournal = true;
    }
    return this.journalValue;
  }

  // ------------------------------------------------------------------ preparing

  /** Reads a payload file (same decoding as `kpr check`), recognises its type and runs the KPR checks. */
  prepare(file: string, settings: Partial<KprSettings> = {}): Promise<PreparedFile> {
    return prepareFile(file, settings);
  }

  /** See the function prepareAll. */
  prepareAll(files: string[], settings: Partial<KprSettings> = {}, onFile?: (file: string, index: number) => void): Promise<PreparedFile[]> {
    return prepareAll(files, settings, onFile);
  }

  // ------------------------------------------------------------------ packing

  /**
   * Builds the Hodemelding around the payload and signs it with the municipality's signing certificate,
   * then encrypts it to KPR's encryption certificate of `env`. A new MsgId every time.
   */
  pack(prepared: PreparedFile, env: KprEnvironment = this.config.environment, opts: { msgId?: string; now?: Date } = {}): PackedSending {
    const settings = this.environment(env);
    const signer = this.signer();
    const recipient = this.kprEncryptionCert(env);
    const now = opts.now ?? this.now();
    const head = packMsgHead({
      payloadXml: prepared.payloadText,
      type: prepared.type,
      config: this.config,
      environment: settings,
      ...(opts.msgId ? { msgId: opts.msgId } : {}),
      now,
    });
    const plain = Buffer.from(head.xml, 'utf8');
    const der = signAndEncrypt(plain, signer, recipient, { signingTime: now, now });
    return {
      prepared,
      env,
      msgId: head.msgId,
      type: head.type,
      genDate: head.genDate,
      msgHeadXml: head.xml,
      der,
      sizes: { payload: prepared.size, msgHead: plain.length, der: der.length },
    };
  }

  // ------------------------------------------------------------------ sending

  /**
   * Checks, packs and sends the files, each as its own sending (fagmelding first). Throws before anything is
   * recorded when the run cannot go ahead; afterwards, what happened to each sending is in the result.
   */
  async submit(files: string[], options: SubmitOptions = {}): Promise<SubmitResult> {
    const env = options.env ?? this.config.environment;
    if (!isKprEnvironment(env)) throw err('submit.unknownEnv', { env: String(env), valid: KPR_ENVIRONMENTS.join(', ') });
    const emit = (e: Omit<SubmitProgress, 'env'>) => {
      try {
        options.onProgress?.({ ...e, env });
      } catch (x) {
        this.log(`submit: progress listener failed: ${String(x)}`);
      }
    };
    const signal = options.signal;
    const cancelled = () => signal?.aborted === true;
    if (cancelled()) throw err('submit.cancelled');

    // 1. Check.
    const total = options.prepared?.length ?? files.length;
    const prepared =
      options.prepared ??
      (await this.prepareAll(files, options.settings ?? {}, (file, index) =>
        emit({ phase: 'checking', file, index, total, cancellable: true }),
      ));
    if (prepared.length === 0) throw err('submit.noFiles');
    const seen = new Map<KprMsgType, PreparedFile>();
    for (const p of prepared) {
      const first = seen.get(p.type);
      if (first) throw err('submit.sameTypeTwice', { first: displayPath(first.file), second: displayPath(p.file), type: p.type });
      seen.set(p.type, p);
    }
    const withErrors = prepared.filter((p) => p.errors > 0);
    if (withErrors.length > 0 && !options.allowCheckErrors) {
      throw err('submit.checkErrors', {
        count: withErrors.reduce((n, p) => n + p.errors, 0),
        files: withErrors.map((p) => displayPath(p.file)).join(', '),
      });
    }
    const ordered = [...prepared].sort((a, b) => PAYLOAD_ORDER[a.type] - PAYLOAD_ORDER[b.type]);

    // 2. Everything that can be refused is refused now, before the journal is touched: settings, secrets,
    //    certificates (a wrong passphrase), and an earlier sending of the same content still waiting.
    const settings = this.environment(env);
    this.requireSendingSettings(env);
    this.signer();
    this.kprEncryptionCert(env);
    this.journal.reconcile();
    for (const p of ordered) this.journal.assertMaySend(env, p.sha256, { force: options.force });
    if (cancelled()) throw err('submit.cancelled');

    // 3. Pack both before sending either, so a file that cannot be packed stops the run before anything goes.
    const packed: PackedSending[] = [];
    for (const p of ordered) {
      emit({ phase: 'packing', file: p.file, type: p.type, index: packed.length, total: ordered.length, cancellable: true });
      packed.push(this.pack(p, env));
    }
    if (cancelled()) throw err('submit.cancelled');

    // 4. Connect before recording: an unreachable bus or a wrong password records nothing.
    const bus = await this.connection(env);
    if (cancelled()) throw err('submit.cancelled');

    // 5. Record, then send, one sending at a time.
    const outcomes: SendingOutcome[] = [];
    let stop = false;
    for (const [index, s] of packed.entries()) {
      const base = { file: s.prepared.file, type: s.type, sizes: s.sizes };
      if (stop && !cancelled()) {
        outcomes.push({ ...base, state: 'not-attempted', error: err('submit.notAttempted') });
        continue;
      }
      if (cancelled()) {
        outcomes.push({ ...base, state: 'cancelled', error: err('submit.sendingCancelled') });
        stop = true;
        continue;
      }
      const entry = this.journal.recordSending({
        msgId: s.msgId,
        file: s.prepared.file,
        sha256: s.prepared.sha256,
        type: s.type,
        env,
        toHerId: settings.toHerId,
        size: s.prepared.size,
        force: options.force,
      });
      emit({ phase: 'recorded', file: base.file, type: s.type, msgId: s.msgId, index, total: packed.length, cancellable: true });
      if (cancelled()) {
        // Recorded but never handed to the bus: it certainly did not arrive.
        const after = this.journal.markFailed(s.msgId, t('en', 'submit.cancelledBeforeSend'));
        outcomes.push({ ...base, msgId: s.msgId, state: 'cancelled', error: err('submit.sendingCancelled'), entry: after });
        stop = true;
        continue;
      }
      emit({ phase: 'sending', file: base.file, type: s.type, msgId: s.msgId, index, total: packed.length, cancellable: false });
      const message = buildBusMessage({
        msgId: s.msgId,
        type: s.type,
        fromHerId: this.config.municipality.serviceHerId,
        toHerId: settings.toHerId,
        toQueue: settings.receiverQueue,
        replyToQueue: this.config.amqp.asyncQueue,
        body: s.der,
        now: this.now(),
      });
      try {
        await bus.send(settings.receiverQueue, message);
      } catch (e) {
        const error = e instanceof KprError ? e : new ContextualError('bus.lost', { host: bus.address.host }, e);
        const mayHaveArrived = e instanceof BusSendError ? e.mayHaveArrived : false;
        let after: JournalEntry | undefined;
        if (mayHaveArrived) {
          after = this.markUnconfirmed(s.msgId, error.message);
        } else {
          after = this.journal.markFailed(s.msgId, error.message);
        }
        this.log(`submit: ${s.type} ${s.msgId} ${mayHaveArrived ? 'unconfirmed' : 'failed'}: ${error.message}`);
        emit({ phase: 'failed', file: base.file, type: s.type, msgId: s.msgId, index, total: packed.length, cancellable: false, error, mayHaveArrived });
        outcomes.push({ ...base, msgId: s.msgId, state: mayHaveArrived ? 'unconfirmed' : 'failed', error, entry: after ?? entry });
        stop = true;
        continue;
      }
      const after = this.journal.markSent(s.msgId);
      this.log(`submit: ${s.type} ${s.msgId} accepted by the broker (${s.sizes.der} bytes to ${settings.receiverQueue})`);
      emit({ phase: 'sent', file: base.file, type: s.type, msgId: s.msgId, index, total: packed.length, cancellable: false });
      outcomes.push({ ...base, msgId: s.msgId, state: 'sent', entry: after });
    }
    return { env, sendings: outcomes, ok: outcomes.every((o) => o.state === 'sent') };
  }

  /**
   * Records that a message may have reached the broker without a confirmation: the sending keeps waiting for
   * its Apprec (it blocks a resend of the same content) and is never resent automatically.
   */
  private markUnconfirmed(msgId: string, reason: string): JournalEntry | undefined {
    return this.journal.markUnconfirmed(msgId, reason);
  }

  // ------------------------------------------------------------------ connection

  /** The bus connection for `env`, created on first use and shared (also by an ApprecListener). */
  connection(env: KprEnvironment = this.config.environment): Promise<BusConnection> {
    let p = this.buses.get(env);
    if (!p) {
      p = connectBus(this.config, env, this.options.busOptions, this.log);
      this.buses.set(env, p);
      // A failed attempt is forgotten, so the next call tries again.
      p.catch(() => {
        if (this.buses.get(env) === p) this.buses.delete(env);
      });
    }
    return p;
  }

  /** Closes the bus connections and, if this Submitter opened it, the journal. */
  async close(): Promise<void> {
    const buses = [...this.buses.values()];
    this.buses.clear();
    for (const p of buses) {
      try {
        await (await p).close();
      } catch {
        /* a connection that never came up has nothing to close */
      }
    }
    if (this.ownsJournal) this.journalValue?.close();
    this.journalValue = undefined;
    this.ownsJournal = false;
  }

  // ------------------------------------------------------------------ credentials

  private environment(env: KprEnvironment): EnvironmentSettings {
    if (!isKprEnvironment(env)) throw err('submit.unknownEnv', { env: String(env), valid: KPR_ENVIRONMENTS.join(', ') });
    return this.config.environments[env];
  }

  private requireSendingSettings(env: KprEnvironment): void {
    if (!this.config.amqp.user) {
      throw missingSetting(this.config, 'amqp.user', 'connect', env);
    }
    if (this.config.secrets.amqpPassword === undefined) throw missingSecret('amqpPassword');
  }

  /** The municipality's signing certificate and key (loaded once). */
  signer(): Signer {
    if (this.signerCache) return this.signerCache;
    const bundle = loadSigningBundle(this.config);
    this.signerCache = { cert: bundle.certificate, key: bundle.privateKey, chain: bundle.chain };
    return this.signerCache;
  }

  /** KPR's encryption certificate for `env` (loaded once). */
  kprEncryptionCert(env: KprEnvironment): LoadedCertificate {
    const cached = this.encryptionCerts.get(env);
    if (cached) return cached;
    const field = `certificates.kpr.${env}.encryptionCert`;
    const file = this.config.certificates.kpr[env]?.encryptionCert;
    if (!file) throw missingSetting(this.config, field, 'encrypt', env);
    const cert = loadCertificateFile(file, field, 'encryption');
    this.encryptionCerts.set(env, cert);
    return cert;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Shared helpers (also used by the receiver and the command line)

/** Reads a payload file (same decoding as `kpr check`), recognises its type and runs the KPR checks. */
export async function prepareFile(file: string, settings: Partial<KprSettings> = {}): Promise<PreparedFile> {
  const abs = nodePath.resolve(file);
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(abs);
  } catch (e) {
    throw err('submit.prepare.unreadable', { file: displayPath(abs), reason: (e as NodeJS.ErrnoException).code ?? String(e) }, e);
  }
  return prepareBytes(abs, bytes, settings);
}

/**
 * Prepares several files; when they are one fagmelding and one identmelding, also checks that they belong
 * together (løpenummer, person keys) like `kpr check` does for a pair.
 */
export async function prepareAll(
  files: string[],
  settings: Partial<KprSettings> = {},
  onFile?: (file: string, index: number) => void,
): Promise<PreparedFile[]> {
  const out: PreparedFile[] = [];
  for (const [i, f] of files.entries()) {
    onFile?.(nodePath.resolve(f), i);
    out.push(await prepareFile(f, settings));
  }
  addPairFindings(out, settings);
  return out;
}

/** Prepares a payload from bytes already read; see prepareFile. */
export function prepareBytes(file: string, bytes: Buffer, settings: Partial<KprSettings> = {}): PreparedFile {
  const full = defaultSettings(settings);
  const checked = checkBytes(file, bytes, full);
  const result = checked.result;
  if (result.envelope) throw err('submit.prepare.envelope', { file: displayPath(file) });
  let type: KprMsgType;
  try {
    type = detectPayloadType(checked.text).type;
  } catch (e) {
    throw new ContextualError('submit.prepare.notPayload', { file: displayPath(file) }, e);
  }
  const summary = result.summary;
  const counts: PreparedFile['counts'] = {};
  if (summary?.kind === 'fagmelding') {
    counts.persons = summary.persons.length;
    counts.services = summary.persons.reduce((n, p) => n + p.services.length, 0);
  } else if (summary?.kind === 'identmelding') {
    counts.idents = summary.idents.length;
  }
  const header = summary?.header;
  return {
    file,
    type,
    payloadText: checked.text,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    encoding: checked.encoding,
    findings: [...result.findings].sort((a, b) => a.start - b.start),
    errors: result.findings.filter((f) => f.severity === Severity.Error).length,
    warnings: result.findings.filter((f) => f.severity === Severity.Warning).length,
    lines: checked.lines,
    ...(summary ? { summary } : {}),
    counts,
    ...(header && (header.from || header.to) ? { period: { from: header.from, to: header.to } } : {}),
    ...(header?.lopenr?.value ? { lopenr: header.lopenr.value } : {}),
  };
}

/** Adds the pair check's findings when the files are exactly one fagmelding and one identmelding. */
function addPairFindings(files: PreparedFile[], settings: Partial<KprSettings>): void {
  const fag = files.filter((f) => f.summary?.kind === 'fagmelding');
  const ide = files.filter((f) => f.summary?.kind === 'identmelding');
  if (fag.length !== 1 || ide.length !== 1) return;
  const [f, i] = [fag[0], ide[0]];
  if (f.summary?.kind !== 'fagmelding' || i.summary?.kind !== 'identmelding') return;
  const res = checkPair({ path: f.file, summary: f.summary }, { path: i.file, summary: i.summary }, defaultSettings(settings));
  for (const [target, found] of [
    [f, res.fagFindings],
    [i, res.ideFindings],
  ] as const) {
    target.findings.push(...found);
    target.findings.sort((a, b) => a.start - b.start);
    target.errors = target.findings.filter((x) => x.severity === Severity.Error).length;
    target.warnings = target.findings.filter((x) => x.severity === Severity.Warning).length;
  }
}

/** A file name for messages: person numbers in a file name are masked too. */
export function displayPath(file: string): string {
  return maskPersonIds(file);
}

export type SecretName = 'amqpPassword' | 'signP12Passphrase' | 'decryptP12Passphrase';

export const SECRET_ENV_VARS: Readonly<Record<SecretName, string>> = {
  amqpPassword: ENV_VARS.amqpPassword,
  signP12Passphrase: ENV_VARS.signP12Passphrase,
  decryptP12Passphrase: ENV_VARS.decryptP12Passphrase,
};

/** The error for a secret that is needed but was given neither by the caller nor in the environment. */
export function missingSecret(name: SecretName): KprError {
  return new ContextualMessageError('submit.missingSecret', { envVar: SECRET_ENV_VARS[name] }, { what: `submit.secret.${name}` });
}

function missingSetting(config: KprConfig, field: string, purpose: 'sign' | 'encrypt' | 'connect' | 'decrypt', env: KprEnvironment): KprError {
  return new ContextualMessageError('submit.missingSetting', { field, file: config.source }, { purpose: `submit.purpose.${purpose}` }, { env });
}

/** Loads the municipality's signing PKCS#12 (checked for signing and validity) with its passphrase. */
export function loadSigningBundle(config: KprConfig): CertificateBundle {
  const file = config.certificates.signingP12;
  if (!file) throw missingSetting(config, 'certificates.signingP12', 'sign', config.environment);
  const pass = config.secrets.signP12Passphrase;
  if (pass === undefined) throw missingSecret('signP12Passphrase');
  return loadP12File(file, pass, 'certificates.signingP12', { purpose: 'signing' });
}

/**
 * Loads the municipality's decryption PKCS#12 (for Apprecs). Validity dates are not checked: decrypting an
 * Apprec that was encrypted while the certificate was valid must keep working after it expired.
 */
export function loadDecryptionBundle(config: KprConfig): CertificateBundle {
  const file = config.certificates.decryptionP12;
  if (!file) throw missingSetting(config, 'certificates.decryptionP12', 'decrypt', config.environment);
  const pass = config.secrets.decryptP12Passphrase;
  if (pass === undefined) throw missingSecret('decryptP12Passphrase');
  return loadP12File(file, pass, 'certificates.decryptionP12', { purpose: 'encryption', checkDates: false });
}

export function loadP12File(
  file: string,
  passphrase: string,
  field: string,
  opts: { purpose: 'signing' | 'encryption'; checkDates?: boolean },
): CertificateBundle {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    throw new ContextualError('submit.p12', { field, path: file }, (e as NodeJS.ErrnoException).code ?? e);
  }
  try {
    return loadPkcs12(data, passphrase, opts);
  } catch (e) {
    throw new ContextualError('submit.p12', { field, path: file }, e);
  }
}

/** Loads a certificate file (PEM or DER; the first certificate), checked for `purpose`. */
export function loadCertificateFile(file: string, field: string, purpose: 'signing' | 'encryption'): LoadedCertificate {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    throw new ContextualError('submit.cert', { field, path: file }, (e as NodeJS.ErrnoException).code ?? e);
  }
  try {
    return loadCertificate(data, { purpose });
  } catch (e) {
    throw new ContextualError('submit.cert', { field, path: file }, e);
  }
}

/**
 * The bus URL for `env` with the configured user (NHN: `amqps://USER@HOST:PORT/EXCHANGE`); the exchange is
 * the configured one, which may differ from the URL's path.
 */
export function busUrlFor(config: KprConfig, env: KprEnvironment): string {
  const settings = config.environments[env];
  const user = config.amqp.user;
  if (!user) throw missingSetting(config, 'amqp.user', 'connect', env);
  const u = new URL(settings.busUrl);
  const port = u.port ? `:${u.port}` : '';
  return `${u.protocol}//${encodeURIComponent(user)}@${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}${port}/${encodeURIComponent(settings.exchange)}`;
}

/** Opens a bus connection for `env` with the configuration's user, password and CA file. */
export async function connectBus(
  config: KprConfig,
  env: KprEnvironment,
  busOptions: Partial<Omit<BusConnectionOptions, 'url' | 'password'>> = {},
  log?: (line: string) => void,
): Promise<BusConnection> {
  const url = busUrlFor(config, env);
  const password = config.secrets.amqpPassword;
  if (password === undefined) throw missingSecret('amqpPassword');
  return BusConnection.connect({
    ...(config.certificates.caFile ? { caFile: config.certificates.caFile } : {}),
    ...(log ? { log } : {}),
    ...busOptions,
    url,
    password,
  });
}

/**
 * A KprError whose arguments are themselves message keys (`{what}` → the text of 'submit.secret.x' in the
 * same language), so a composed sentence is fully Norwegian or fully English.
 */
class ContextualMessageError extends KprError {
  constructor(
    key: string,
    args: MessageArgs,
    private readonly keyArgs: Record<string, string>,
    private readonly nestedArgs: MessageArgs = {},
  ) {
    super(key, { ...args, ...resolveKeys(keyArgs, nestedArgs, 'en') });
    this.name = 'KprError';
  }

  override localized(lang: Lang): string {
    return t(lang, this.key, { ...this.args, ...resolveKeys(this.keyArgs, this.nestedArgs, lang) });
  }
}

function resolveKeys(keyArgs: Record<string, string>, nested: MessageArgs, lang: Lang): MessageArgs {
  const out: MessageArgs = {};
  for (const [name, key] of Object.entries(keyArgs)) out[name] = t(lang, key, nested);
  return out;
}
