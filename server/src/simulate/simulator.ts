/**
 * `KprSimulator`: a local receiver that plays KPR end to end on a broker, so a municipality can rehearse a
 * whole sending (pack, sign, encrypt, send, Apprec) without NHN access.
 *
 * It consumes KPR's queue and answers each message the way the real chain would:
 *   1. the bus checks the AMQP fields (message id, subject, content type, fromHerId, toHerId) and that the
 *      sender is a known communication party; problems become a transport error on the sender's `_error`
 *      queue (an empty message with originalMessageId, errorCondition, errorDescription, DOMAIN.md §8);
 *   2. the body is decrypted with KPR's key (failure: transport error `transport:invalid-certificate`);
 *   3. the signature is verified: a signer the simulator's CA did not issue gives an Apprec with S01, an
 *      expired or otherwise invalid certificate S02; a signer or Hodemelding sender that is not the AMQP
 *      fromHerId is `abuse:spoofing-attack`;
 *   4. the Hodemelding is read (not well-formed T01, not a Hodemelding or unknown type T10, MsgId not a GUID
 *      E10, receiver not KPR E21);
 *   5. the payload goes through the same analysis as `kpr check`: syntax errors give status 2 with T01, schema
 *      errors status 2 with T02, rule findings of severity error status 3 with one X99 per finding (rule code,
 *      line:col and the message, in the chosen language, person numbers masked); a clean payload status 1.
 *      A fagmelding and an identmelding with the same løpenummer are checked as a pair when the second
 *      arrives; their `ident-mismatch` findings go into the second one's Apprec.
 * The Apprec (v1.1) is signed with KPR's signing key, encrypted to the municipality's decryption certificate
 * and sent to the message's `reply_to` queue with subject APPREC, correlated by OriginalMsgId = MsgId.
 *
 * Every answer is first written to an outbox on disk and only then is the incoming message settled, so a
 * crash loses no answer; the message ids already answered are kept on disk too, so a message delivered
 * twice (at-least-once delivery) gets one answer. `--delay` schedules the answer in the outbox without
 * holding up later messages.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeText } from '../analysis/analyze';
import { checkPair } from '../analysis/pairing';
import { DocumentSummary, FagmeldingSummary, IdentmeldingSummary } from '../analysis/summary';
import { defaultSettings, Finding, KprSettings, Severity } from '../analysis/types';
import { KprError } from '../errors';
import { Lang, registerMessages, t } from '../i18n';
import { maskForLog, maskPersonIds } from '../privacy';
import { ApprecErrorInput, ApprecPartyInput, ApprecStatusCode, buildApprec } from '../submit/apprec';
import { certificateLabel, LoadedCertificate } from '../submit/crypto/certificates';
import { decrypt, signAndEncrypt, verify } from '../submit/crypto/cms';
import { children, octetStringValue, readOid, readTlv, TAG } from '../submit/crypto/der';
import { KPR_RECEIVER_NAME } from '../submit/environments';
import { MsgHeadInfo, msgHeadPayload, readMsgHead } from '../submit/msghead';
import { BusConnection, BusSubscription } from '../submit/transport/bus';
import { buildBusMessage, busTimestamp, IncomingBusMessage, NHN_CONTENT_TYPE, OutgoingBusMessage } from '../submit/transport/message';
import { decodeXml } from '../xml/encoding';
import { LineIndex } from '../xml/lineIndex';
import { isIssuedBy, SimulatorPki } from './pki';

registerMessages({
  'simulate.tx.missingField': {
    en: 'The message lacks {field}, which every message on the service bus must have.',
    nb: 'Meldingen mangler {field}, som alle meldinger på tjenestebussen må ha.',
  },
  'simulate.tx.badHerId': {
    en: 'The application property {field} is "{value}", which is not a HER-id.',
    nb: 'Applikasjonsegenskapen {field} er «{value}», som ikke er en HER-id.',
  },
  'simulate.tx.badContentType': {
    en: 'The content type is "{value}"; the service bus expects "{expected}".',
    nb: 'Innholdstypen er «{value}»; tjenestebussen forventer «{expected}».',
  },
  'simulate.tx.wrongReceiver': {
    en: 'toHerId {toHerId} is not the owner of queue {queue} (HER-id {expected}).',
    nb: 'toHerId {toHerId} eier ikke køen {queue} (HER-id {expected}).',
  },
  'simulate.tx.unknownSender': {
    en: 'fromHerId {herId} is not a communication party the simulator knows; it knows {known} (see kpr.config.json in the simulator folder).',
    nb: 'fromHerId {herId} er ikke en kommunikasjonspart simulatoren kjenner; den kjenner {known} (se kpr.config.json i simulatormappen).',
  },
  'simulate.tx.notDecryptable': {
    en: 'The message could not be decrypted with KPR\'s key: {detail}',
    nb: 'Meldingen kunne ikke dekrypteres med KPRs nøkkel: {detail}',
  },
  'simulate.tx.spoofSigner': {
    en: 'fromHerId {herId} does not belong to the signer «{subject}».',
    nb: 'fromHerId {herId} hører ikke til den som signerte («{subject}»).',
  },
  'simulate.tx.spoofSender': {
    en: 'fromHerId {herId} is not the sender named in the Hodemelding (HER-id {senderHerId}).',
    nb: 'fromHerId {herId} er ikke avsenderen som står i hodemeldingen (HER-id {senderHerId}).',
  },
  'simulate.ar.unknownSigner': {
    en: 'The message is signed with the certificate «{subject}», which the simulator\'s test CA did not issue. Sign with the test certificate from the simulator folder.',
    nb: 'Meldingen er signert med sertifikatet «{subject}», som simulatorens test-CA ikke har utstedt. Signer med testsertifikatet fra simulatormappen.',
  },
  'simulate.ar.signature': {
    en: 'The signature could not be verified: {detail}',
    nb: 'Signaturen kunne ikke verifiseres: {detail}',
  },
  'simulate.ar.certificate': {
    en: 'The signing certificate is not valid: {detail}',
    nb: 'Signeringssertifikatet er ikke gyldig: {detail}',
  },
  'simulate.ar.msgHead': {
    en: 'The Hodemelding cannot be read: {detail}',
    nb: 'Hodemeldingen kan ikke leses: {detail}',
  },
  'simulate.ar.badMsgId': {
    en: 'MsgId "{msgId}" is not a GUID.',
    nb: 'MsgId «{msgId}» er ikke en GUID.',
  },
  'simulate.ar.wrongReceiver': {
    en: 'The Hodemelding is addressed to HER-id {herId}, but KPR has HER-id {kprHerId} here.',
    nb: 'Hodemeldingen er adressert til HER-id {herId}, men KPR har HER-id {kprHerId} her.',
  },
  'simulate.ar.unknownType': {
    en: 'Message type "{type}" is not one KPR receives (KPR_IPL, KPR_IDE).',
    nb: 'Meldingstypen «{type}» er ikke en KPR tar imot (KPR_IPL, KPR_IDE).',
  },
  'simulate.ar.noPayload': {
    en: 'The Hodemelding carries no fagmelding (IPLOS) or identmelding (Melding …_ide).',
    nb: 'Hodemeldingen inneholder ingen fagmelding (IPLOS) eller identmelding (Melding …_ide).',
  },
  'simulate.ar.typeMismatch': {
    en: 'The Hodemelding says {type}, but it carries a {kind}.',
    nb: 'Hodemeldingen sier {type}, men inneholder en {kind}.',
  },
  'simulate.ar.more': {
    en: '{count} more findings are not listed here; the first {shown} are. Run `kpr check` on the file for all of them.',
    nb: '{count} funn til er ikke listet her; de første {shown} er det. Kjør `kpr check` på filen for å se alle.',
  },
  'simulate.ar.inOther': {
    en: 'In the {kind} (MsgId {msgId}): {message}',
    nb: 'I {kind} (MsgId {msgId}): {message}',
  },
  'simulate.ar.rejectMode': {
    en: 'The KPR simulator runs with --reject and rejects every message.',
    nb: 'KPR-simulatoren kjører med --reject og avviser alle meldinger.',
  },
  'simulate.kind.fagmelding': { en: 'fagmelding', nb: 'fagmeldingen' },
  'simulate.kind.identmelding': { en: 'identmelding', nb: 'identmeldingen' },
});

export type SimulatorMode = 'answer' | 'reject' | 'drop';

export interface KprSimulatorOptions {
  /** A connected bus (to RabbitMQ or to the embedded endpoint). The simulator does not close it. */
  bus: BusConnection;
  pki: SimulatorPki;
  /** KPR's HER-id in the rehearsal (the `local` environment's receiverHerId). */
  kprHerId: string;
  /** A nested receiver service HER-id, if the municipality's configuration addresses one. */
  kprServiceHerId?: string;
  kprName?: string;
  /** KPR's queue; default `<kprServiceHerId ?? kprHerId>_async`. */
  queue?: string;
  /** Where the outbox and the handled ids are kept. */
  stateDir: string;
  /** Wait this long after a message before its Apprec goes out. */
  delayMs?: number;
  /** 'reject': every Apprec has status 2; 'drop': no Apprec is ever sent. Default 'answer'. */
  mode?: SimulatorMode;
  /** Language of the texts in Apprecs and transport errors. Default 'nb'. */
  lang?: Lang;
  /** At most this many errors per Apprec; the rest are summarised in one more. Default 50. */
  maxErrors?: number;
  /** Analysis settings (reporting year, test users, severities), as for `kpr check`. */
  settings?: Partial<KprSettings>;
  /** For tests: the clock. */
  now?: () => Date;
}

export type SimulatorOutcome =
  /** An Apprec was decided and put in the outbox. */
  | 'apprec'
  /** A transport error was decided and put in the outbox. */
  | 'transport-error'
  /** Already answered: nothing sent again. */
  | 'duplicate'
  /** --drop: the Apprec that would have been sent was not. */
  | 'dropped'
  /** Nothing can be answered (no sender to answer to). */
  | 'unanswerable'
  /** An outbox entry went out on the bus. */
  | 'sent'
  /** An outbox entry could not be sent and was given up. */
  | 'send-failed';

export interface SimulatorEvent {
  at: Date;
  outcome: SimulatorOutcome;
  /** The incoming message's AMQP message id. */
  messageId?: string;
  /** The Hodemelding's MsgId, when it could be read. */
  msgId?: string;
  /** KPR_IPL, KPR_IDE or what the message said. */
  type?: string;
  status?: ApprecStatusCode;
  /** Error codes of the Apprec (T01, X99, …). */
  errorCodes?: string[];
  errorCondition?: string;
  /** The queue the answer goes (or went) to. */
  queue?: string;
  dueAt?: Date;
  /** A short reason, safe to log (masked). */
  detail?: string;
}

/** What the simulator decided for one incoming message. */
type Decision =
  | { kind: 'apprec'; queue: string; message: OutgoingBusMessage; event: Omit<SimulatorEvent, 'at' | 'outcome'> }
  | { kind: 'transport-error'; queue: string; message: OutgoingBusMessage; event: Omit<SimulatorEvent, 'at' | 'outcome'> }
  | { kind: 'none'; outcome: 'duplicate' | 'dropped' | 'unanswerable'; event: Omit<SimulatorEvent, 'at' | 'outcome'> };

interface OutboxEntry {
  file: string;
  queue: string;
  dueAt: number;
  kind: 'apprec' | 'transport-error';
  message: OutgoingBusMessage;
  event: Omit<SimulatorEvent, 'at' | 'outcome'>;
  attempts: number;
  timer?: NodeJS.Timeout;
}

interface Half {
  msgId: string;
  summary: DocumentSummary;
  lines: LineIndex;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HER_ID = /^[0-9]{1,12}$/;
const QUEUE = /^[A-Za-z0-9._:\-]{1,200}$/;
/** Codes that are not rules: the syntax and schema checks, and notes about the analysis itself. */
const NOT_RULES = new Set(['xml-syntax', 'schema', 'apprec', 'too-many-findings']);
const HANDLED_CAP = 5000;
const PAIR_CAP = 16;
const MAX_SEND_ATTEMPTS = 8;
const SIGNATURE_S02 = new Set(['crypto.cert.expired', 'crypto.cert.notYetValid', 'crypto.cert.wrongUsageSigning', 'crypto.cms.signerNotValidAtSigningTime']);

class TransportFailure extends Error {
  constructor(
    readonly condition: string,
    readonly description: string,
    readonly data?: string,
  ) {
    super(condition);
  }
}

export class KprSimulator {
  readonly queue: string;
  private readonly bus: BusConnection;
  private readonly pki: SimulatorPki;
  private readonly kprHerId: string;
  private readonly lang: Lang;
  private readonly mode: SimulatorMode;
  private readonly delayMs: number;
  private readonly maxErrors: number;
  private readonly settings: KprSettings;
  private readonly now: () => Date;
  private readonly outboxDir: string;
  private readonly handledFile: string;
  private readonly handled: string[] = [];
  private readonly handledSet = new Set<string>();
  private readonly outbox = new Map<string, OutboxEntry>();
  private readonly pairs = new Map<string, { fag?: Half; ide?: Half }>();
  private readonly listeners = new Set<(e: SimulatorEvent) => void>();
  private subscription?: BusSubscription;
  private stopped = false;
  private outboxSeq = 0;

  constructor(private readonly options: KprSimulatorOptions) {
    this.bus = options.bus;
    this.pki = options.pki;
    this.kprHerId = options.kprHerId;
    this.queue = options.queue ?? `${options.kprServiceHerId ?? options.kprHerId}_async`;
    this.lang = options.lang ?? 'nb';
    this.mode = options.mode ?? 'answer';
    this.delayMs = Math.max(0, options.delayMs ?? 0);
    this.maxErrors = Math.max(1, options.maxErrors ?? 50);
    this.settings = defaultSettings({ language: this.lang, ...(options.settings ?? {}), maxFindings: Number.POSITIVE_INFINITY });
    this.now = options.now ?? (() => new Date());
    this.outboxDir = path.join(options.stateDir, 'outbox');
    this.handledFile = path.join(options.stateDir, 'handled.json');
  }

  /** Subscribes to what the simulator does; returns an unsubscribe function. */
  onEvent(listener: (e: SimulatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the state, sends what the outbox still holds, and starts consuming KPR's queue. */
  async start(): Promise<void> {
    fs.mkdirSync(this.outboxDir, { recursive: true, mode: 0o700 });
    this.loadHandled();
    this.loadOutbox();
    this.subscription = await this.bus.receive(this.queue, (m) => this.handle(m), { prefetch: 10 });
  }

  /** Stops consuming and sending. Answers not yet sent stay in the outbox for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.outbox.values()) clearTimeout(e.timer);
    await this.subscription?.close();
    this.subscription = undefined;
  }

  /** Answers still waiting in the outbox (scheduled by --delay or not yet accepted by the broker). */
  get pendingAnswers(): number {
    return this.outbox.size;
  }

  // ------------------------------------------------------------------------------------------ handling

  private async handle(msg: IncomingBusMessage): Promise<void> {
    if (msg.messageId && this.handledSet.has(msg.messageId)) {
      this.emit({ outcome: 'duplicate', messageId: msg.messageId, type: msg.subject, detail: 'message id already answered' });
      return;
    }
    let decision: Decision;
    try {
      decision = this.decide(msg);
    } catch (e) {
      // A failure here is a bug, not a passing condition: redelivering would fail the same way, forever.
      decision = { kind: 'none', outcome: 'unanswerable', event: { messageId: msg.messageId, type: msg.subject, detail: `internal error: ${describe(e, this.lang)}` } };
    }
    if (decision.kind === 'none') {
      this.remember([msg.messageId, decision.event.msgId]);
      this.emit({ outcome: decision.outcome, ...decision.event });
      return;
    }
    const due = this.now().getTime() + (decision.kind === 'apprec' ? this.delayMs : 0);
    // The answer is on disk before the message is settled (the handler resolving settles it).
    const entry = this.addToOutbox(decision.kind, decision.queue, decision.message, decision.event, due);
    this.remember([msg.messageId, decision.event.msgId]);
    this.emit({ outcome: decision.kind, ...decision.event, queue: decision.queue, ...(this.delayMs && decision.kind === 'apprec' ? { dueAt: new Date(due) } : {}) });
    this.schedule(entry);
  }

  private decide(msg: IncomingBusMessage): Decision {
    const base = { messageId: msg.messageId, type: msg.subject };
    const props = stringProps(msg.applicationProperties);
    const fromHerId = props.fromHerId;
    const errorQueue = errorQueueFor(fromHerId, msg.replyTo);
    const transportError = (f: TransportFailure, extra: Partial<SimulatorEvent> = {}): Decision => {
      if (!errorQueue) return { kind: 'none', outcome: 'unanswerable', event: { ...base, ...extra, errorCondition: f.condition, detail: maskForLog(f.description) } };
      return {
        kind: 'transport-error',
        queue: errorQueue,
        message: this.transportErrorMessage(msg, props, f),
        event: { ...base, ...extra, errorCondition: f.condition, detail: maskForLog(f.description) },
      };
    };

    // 1. What the bus itself checks.
    let party: { herIds: string[] };
    try {
      party = this.checkTransport(msg, props);
    } catch (e) {
      if (e instanceof TransportFailure) return transportError(e);
      throw e;
    }

    // 2. Decrypt with KPR's key.
    let signed: Buffer;
    try {
      signed = decrypt(msg.body, { cert: this.pki.kprEncryption.cert, key: this.pki.kprEncryption.key });
    } catch (e) {
      return transportError(new TransportFailure('transport:invalid-certificate', this.text('simulate.tx.notDecryptable', { detail: describe(e, this.lang) })));
    }

    // 3. The Hodemelding, read before the signature is trusted only to address the answer; then the signature.
    const unverified = unverifiedContent(signed);
    let head = tryReadHead(unverified);
    const answer = (status: ApprecStatusCode, errors: ApprecErrorInput[], info: MsgHeadInfo | undefined, extra: Partial<SimulatorEvent> = {}) =>
      this.apprecDecision(msg, fromHerId!, info, status, errors, extra);

    let signer: LoadedCertificate;
    let content: Buffer;
    try {
      const v = verify(signed, { now: this.now() });
      signer = v.signer;
      content = v.content;
    } catch (e) {
      const key = e instanceof KprError ? e.key : '';
      const code = SIGNATURE_S02.has(key) ? 'S02' : 'S01';
      const textKey = code === 'S02' ? 'simulate.ar.certificate' : 'simulate.ar.signature';
      return answer('2', [{ code, details: this.text(textKey, { detail: describe(e, this.lang) }) }], head.info);
    }
    if (!isIssuedBy(signer, this.pki.ca.cert)) {
      return answer('2', [{ code: 'S01', details: this.text('simulate.ar.unknownSigner', { subject: certificateLabel(signer) }) }], head.info);
    }
    if (!signer.der.equals(this.pki.municipalitySigning.cert.der) || !party.herIds.includes(fromHerId!)) {
      return transportError(new TransportFailure('abuse:spoofing-attack', this.text('simulate.tx.spoofSigner', { herId: fromHerId!, subject: certificateLabel(signer) })));
    }
    if (!unverified.equals(content)) head = tryReadHead(content);

    // 4. The Hodemelding.
    if (head.error || !head.info || head.text === undefined) {
      const code = head.error?.key === 'submit.msghead.notMsgHead' ? 'T10' : 'T01';
      return answer('2', [{ code, details: this.text('simulate.ar.msgHead', { detail: describe(head.error, this.lang) }) }], undefined);
    }
    const info = head.info;
    const senderHerId = info.sender.communicationPartyHerId;
    if (senderHerId && senderHerId !== fromHerId) {
      return transportError(new TransportFailure('abuse:spoofing-attack', this.text('simulate.tx.spoofSender', { herId: fromHerId!, senderHerId })), { msgId: info.msgId, type: info.type });
    }
    if (this.handledSet.has(info.msgId)) {
      return { kind: 'none', outcome: 'duplicate', event: { ...base, msgId: info.msgId, type: info.type, detail: 'MsgId already answered' } };
    }
    if (!GUID.test(info.msgId)) return answer('2', [{ code: 'E10', details: this.text('simulate.ar.badMsgId', { msgId: info.msgId }) }], info);
    const receiverOk =
      info.receiver.herId === this.kprHerId &&
      (!info.receiver.service?.herId || !this.options.kprServiceHerId || info.receiver.service.herId === this.options.kprServiceHerId);
    if (!receiverOk) {
      const herId = info.receiver.service?.herId && info.receiver.herId === this.kprHerId ? info.receiver.service.herId : (info.receiver.herId ?? '—');
      return answer('2', [{ code: 'E21', details: this.text('simulate.ar.wrongReceiver', { herId, kprHerId: this.kprHerId }) }], info);
    }
    if (info.type !== 'KPR_IPL' && info.type !== 'KPR_IDE' && info.type !== 'KPR_HOM') {
      return answer('2', [{ code: 'T10', details: this.text('simulate.ar.unknownType', { type: info.type }) }], info);
    }
    const payload = msgHeadPayload(head.text, info);
    if (!payload || !info.payload?.kprType) return answer('2', [{ code: 'T10', details: this.text('simulate.ar.noPayload') }], info);
    if (info.type !== 'KPR_HOM' && info.type !== info.payload.kprType) {
      const kind = this.text(info.payload.kprType === 'KPR_IPL' ? 'simulate.kind.fagmelding' : 'simulate.kind.identmelding');
      return answer('2', [{ code: 'T10', details: this.text('simulate.ar.typeMismatch', { type: info.type, kind }) }], info);
    }

    // 5. The payload, with the same engine as `kpr check`.
    const result = analyzeText(payload, { settings: this.settings });
    const lines = new LineIndex(payload);
    const syntax = result.findings.filter((f) => f.code === 'xml-syntax' && f.severity === Severity.Error);
    const schema = result.findings.filter((f) => f.code === 'schema' && f.severity === Severity.Error);
    if (syntax.length > 0) return answer('2', this.findingErrors(syntax, lines, 'T01'), info);
    if (schema.length > 0) return answer('2', this.findingErrors(schema, lines, 'T02'), info);

    const ruleFindings = result.findings.filter((f) => !NOT_RULES.has(f.code) && f.severity === Severity.Error);
    const pairErrors = result.summary ? this.pairFindings(fromHerId!, info.msgId, result.summary, lines) : [];
    const errors = capErrors([...ruleFindings.map((f) => this.findingError(f, lines, 'X99')), ...pairErrors], this.maxErrors, this.lang);
    return answer(errors.length > 0 ? '3' : '1', errors, info);
  }

  /** The checks NHN's bus makes before a message reaches KPR; returns the sending party. */
  private checkTransport(msg: IncomingBusMessage, props: Record<string, string>): { herIds: string[] } {
    const missing = (field: string) => new TransportFailure('transport:invalid-field-value', this.text('simulate.tx.missingField', { field }), field);
    if (!msg.messageId) throw missing('message_id');
    if (!msg.subject) throw missing('subject');
    if (!msg.contentType) throw missing('content_type');
    for (const field of ['fromHerId', 'toHerId'] as const) {
      const v = props[field];
      if (!v) throw missing(field);
      if (!HER_ID.test(v)) throw new TransportFailure('transport:invalid-field-value', this.text('simulate.tx.badHerId', { field, value: maskForLog(v) }), field);
    }
    if (normalizeContentType(msg.contentType) !== normalizeContentType(NHN_CONTENT_TYPE)) {
      throw new TransportFailure('transport:invalid-field-value', this.text('simulate.tx.badContentType', { value: maskForLog(msg.contentType), expected: NHN_CONTENT_TYPE }), 'content_type');
    }
    const owner = this.options.kprServiceHerId ?? this.kprHerId;
    if (props.toHerId !== owner && props.toHerId !== this.kprHerId) {
      throw new TransportFailure('transport:invalid-field-value', this.text('simulate.tx.wrongReceiver', { toHerId: props.toHerId, queue: this.queue, expected: owner }), 'toHerId');
    }
    const m = this.pki.municipality;
    const herIds = [m.serviceHerId, m.herId];
    // Like the Adresseregister lookup NHN makes: an unknown sender cannot be answered or trusted.
    if (!herIds.includes(props.fromHerId)) {
      throw new TransportFailure('transport:invalid-field-value', this.text('simulate.tx.unknownSender', { herId: props.fromHerId, known: herIds.join(', ') }), 'fromHerId');
    }
    return { herIds };
  }

  /** Findings as Apprec errors with the given code, capped, each with rule code, line:col and message. */
  private findingErrors(findings: Finding[], lines: LineIndex, code: string): ApprecErrorInput[] {
    return capErrors(
      findings.map((f) => this.findingError(f, lines, code)),
      this.maxErrors,
      this.lang,
    );
  }

  private findingError(f: Finding, lines: LineIndex, code: string, other?: { kind: string; msgId: string }): ApprecErrorInput {
    const p = lines.positionAt(f.start);
    const message = maskPersonIds(t(this.lang, f.key, f.args));
    return {
      code,
      rule: f.code,
      location: `${p.line + 1}:${p.character + 1}`,
      details: other ? this.text('simulate.ar.inOther', { kind: other.kind, msgId: other.msgId, message }) : message,
    };
  }

  /**
   * Keeps the summary of an accepted fagmelding or identmelding and, when the other half of the pair (same
   * sender, same løpenummer) is already here, checks the pair; its findings belong to this, the second, Apprec.
   */
  private pairFindings(senderHerId: string, msgId: string, summary: DocumentSummary, lines: LineIndex): ApprecErrorInput[] {
    const lopenr = summary.header.lopenr?.value.trim();
    if (!lopenr) return [];
    const key = `${senderHerId}|${lopenr}`;
    const entry = this.pairs.get(key) ?? {};
    this.pairs.delete(key);
    const half: Half = { msgId, summary, lines };
    if (summary.kind === 'fagmelding') entry.fag = half;
    else entry.ide = half;
    this.pairs.set(key, entry); // most recently used last
    while (this.pairs.size > PAIR_CAP) this.pairs.delete(this.pairs.keys().next().value!);
    if (!entry.fag || !entry.ide) return [];

    const fagName = `${this.text('simulate.kind.fagmelding')} ${entry.fag.msgId}`;
    const ideName = `${this.text('simulate.kind.identmelding')} ${entry.ide.msgId}`;
    const res = checkPair(
      { path: fagName, summary: entry.fag.summary as FagmeldingSummary },
      { path: ideName, summary: entry.ide.summary as IdentmeldingSummary },
      this.settings,
      { maxPerFile: this.maxErrors },
    );
    const mine = summary.kind === 'fagmelding' ? res.fagFindings : res.ideFindings;
    const theirs = summary.kind === 'fagmelding' ? res.ideFindings : res.fagFindings;
    const other = summary.kind === 'fagmelding' ? entry.ide : entry.fag;
    const otherKind = this.text(summary.kind === 'fagmelding' ? 'simulate.kind.identmelding' : 'simulate.kind.fagmelding');
    const errors = (fs: Finding[]) => fs.filter((f) => f.severity === Severity.Error);
    return [
      ...errors(mine).map((f) => this.findingError(f, lines, 'X99')),
      ...errors(theirs).map((f) => this.findingError(f, other.lines, 'X99', { kind: otherKind, msgId: other.msgId })),
    ];
  }

  // ------------------------------------------------------------------------------------------ answers

  private apprecDecision(
    msg: IncomingBusMessage,
    fromHerId: string,
    info: MsgHeadInfo | undefined,
    status: ApprecStatusCode,
    errors: ApprecErrorInput[],
    extra: Partial<SimulatorEvent>,
  ): Decision {
    let finalStatus = status;
    let finalErrors = errors;
    if (this.mode === 'reject' && status !== '2') {
      finalStatus = '2';
      finalErrors = [...errors, { code: 'X99', details: this.text('simulate.ar.rejectMode') }];
    }
    const msgId = info?.msgId ?? msg.messageId!;
    const type = info?.type ?? msg.subject!;
    const event = {
      messageId: msg.messageId,
      msgId,
      type,
      status: finalStatus,
      errorCodes: finalErrors.map((e) => e.code),
      ...extra,
    };
    if (this.mode === 'drop') return { kind: 'none', outcome: 'dropped', event };

    const now = this.now();
    const m = this.pki.municipality;
    const sender = info?.sender;
    const receiver: ApprecPartyInput = {
      name: sender?.name ?? m.name,
      herId: sender?.herId ?? m.herId,
      ...(sender?.service?.herId
        ? { service: { name: sender.service.name ?? m.serviceName, herId: sender.service.herId } }
        : !sender
          ? { service: { name: m.serviceName, herId: fromHerId } }
          : {}),
    };
    const apprecId = randomUUID();
    const xml = buildApprec({
      version: '1.1',
      status: finalStatus,
      errors: finalErrors,
      original: {
        msgType: type,
        ...(info?.typeText ? { msgTypeText: info.typeText } : {}),
        issueDate: info?.genDate ?? stringProps(msg.applicationProperties).applicationTimeStamp ?? busTimestamp(now),
        id: msgId,
      },
      sender: {
        name: this.options.kprName ?? KPR_RECEIVER_NAME,
        herId: this.kprHerId,
        ...(this.options.kprServiceHerId ? { service: { name: 'KPR', herId: this.options.kprServiceHerId } } : {}),
      },
      receiver,
      id: apprecId,
      now,
      softwareName: 'kpr simulate',
    });
    const body = signAndEncrypt(
      Buffer.from(xml, 'utf8'),
      { cert: this.pki.kprSigning.cert, key: this.pki.kprSigning.key, chain: [] },
      this.pki.municipalityDecryption.cert,
      { now, signingTime: now },
    );
    const replyQueue = msg.replyTo && QUEUE.test(msg.replyTo) ? msg.replyTo : `${fromHerId}_async`;
    const message = buildBusMessage({
      msgId: apprecId,
      type: 'APPREC',
      fromHerId: stringProps(msg.applicationProperties).toHerId ?? this.kprHerId,
      toHerId: fromHerId,
      toQueue: replyQueue,
      replyToQueue: this.queue,
      body,
      now,
    });
    return { kind: 'apprec', queue: replyQueue, message, event };
  }

  /** An empty message with the error in its application properties, as NHN puts on a sender's `_error` queue. */
  private transportErrorMessage(msg: IncomingBusMessage, props: Record<string, string>, f: TransportFailure): OutgoingBusMessage {
    const stamp = busTimestamp(this.now());
    const applicationProperties: Record<string, string> = {
      originalMessageId: msg.messageId ?? msg.correlationId ?? 'unknown',
      errorCondition: f.condition,
      errorDescription: maskForLog(f.description),
      receiverTimeStamp: stamp,
      fromHerId: props.toHerId && HER_ID.test(props.toHerId) ? props.toHerId : this.kprHerId,
      applicationTimeStamp: stamp,
      enqueuedTimeUtc: stamp,
    };
    if (props.fromHerId && HER_ID.test(props.fromHerId)) applicationProperties.toHerId = props.fromHerId;
    if (f.data) applicationProperties.errorConditionData = `${f.data};`;
    return {
      messageId: randomUUID(),
      ...(msg.subject ? { subject: msg.subject } : {}),
      ...(msg.messageId ? { correlationId: msg.messageId } : {}),
      applicationProperties,
      body: Buffer.alloc(0),
    };
  }

  // ------------------------------------------------------------------------------------------ outbox

  private addToOutbox(kind: OutboxEntry['kind'], queue: string, message: OutgoingBusMessage, event: OutboxEntry['event'], dueAt: number): OutboxEntry {
    const name = `${Date.now().toString(36)}-${(++this.outboxSeq).toString(36)}-${safeName(message.messageId)}.json`;
    const file = path.join(this.outboxDir, name);
    const entry: OutboxEntry = { file, queue, dueAt, kind, message, event, attempts: 0 };
    const json = JSON.stringify({ queue, dueAt, kind, event, message: { ...message, body: message.body.toString('base64') } });
    writeDurably(file, json);
    this.outbox.set(file, entry);
    return entry;
  }

  private loadOutbox(): void {
    for (const name of fs.readdirSync(this.outboxDir).filter((f) => f.endsWith('.json')).sort()) {
      const file = path.join(this.outboxDir, name);
      try {
        const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as {
          queue: string;
          dueAt: number;
          kind: OutboxEntry['kind'];
          event: OutboxEntry['event'];
          message: Omit<OutgoingBusMessage, 'body'> & { body: string };
        };
        const entry: OutboxEntry = {
          file,
          queue: raw.queue,
          dueAt: raw.dueAt,
          kind: raw.kind,
          event: raw.event,
          message: { ...raw.message, body: Buffer.from(raw.message.body, 'base64') },
          attempts: 0,
        };
        this.outbox.set(file, entry);
        this.schedule(entry);
      } catch {
        // A half-written entry from a crash during writeDurably cannot be sent; it is not an answer yet.
        fs.rmSync(file, { force: true });
      }
    }
  }

  private schedule(entry: OutboxEntry): void {
    if (this.stopped) return;
    clearTimeout(entry.timer);
    const wait = Math.max(0, entry.dueAt - this.now().getTime());
    entry.timer = setTimeout(() => void this.sendEntry(entry), wait);
  }

  private async sendEntry(entry: OutboxEntry): Promise<void> {
    if (this.stopped || !this.outbox.has(entry.file)) return;
    entry.attempts++;
    try {
      await this.bus.send(entry.queue, entry.message);
    } catch (e) {
      if (this.stopped) return;
      if (entry.attempts >= MAX_SEND_ATTEMPTS) {
        this.dropEntry(entry);
        this.emit({ outcome: 'send-failed', ...entry.event, queue: entry.queue, detail: maskForLog(describe(e, this.lang)) });
        return;
      }
      entry.dueAt = this.now().getTime() + Math.min(60_000, 500 * 2 ** entry.attempts);
      this.schedule(entry);
      return;
    }
    this.dropEntry(entry);
    this.emit({ outcome: 'sent', ...entry.event, queue: entry.queue });
  }

  private dropEntry(entry: OutboxEntry): void {
    this.outbox.delete(entry.file);
    clearTimeout(entry.timer);
    fs.rmSync(entry.file, { force: true });
  }

  // ------------------------------------------------------------------------------------------ state

  private loadHandled(): void {
    try {
      const raw = JSON.parse(fs.readFileSync(this.handledFile, 'utf8')) as { ids?: unknown };
      if (Array.isArray(raw.ids)) for (const id of raw.ids) if (typeof id === 'string') this.add(id);
    } catch {
      /* no state yet */
    }
  }

  private remember(ids: Array<string | undefined>): void {
    let changed = false;
    for (const id of ids) if (id && !this.handledSet.has(id)) changed = this.add(id) || changed;
    if (changed) writeDurably(this.handledFile, JSON.stringify({ ids: this.handled }));
  }

  private add(id: string): boolean {
    if (this.handledSet.has(id)) return false;
    this.handled.push(id);
    this.handledSet.add(id);
    while (this.handled.length > HANDLED_CAP) this.handledSet.delete(this.handled.shift()!);
    return true;
  }

  private emit(e: Omit<SimulatorEvent, 'at'>): void {
    const event = { at: this.now(), ...e } as SimulatorEvent;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* a listener's failure must not disturb the simulator */
      }
    }
  }

  private text(key: string, args: Record<string, string | number> = {}): string {
    return maskPersonIds(t(this.lang, key, args));
  }
}

/** Caps a list of errors at `max`, adding one X99 that says how many more there were. */
function capErrors(errors: ApprecErrorInput[], max: number, lang: Lang): ApprecErrorInput[] {
  if (errors.length <= max) return errors;
  const shown = errors.slice(0, max);
  shown.push({ code: 'X99', details: maskPersonIds(t(lang, 'simulate.ar.more', { count: errors.length - max, shown: max })) });
  return shown;
}

function stringProps(props: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null) continue;
    out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : v instanceof Date ? v.toISOString() : String(v);
  }
  return out;
}

/** The sender's `_error` queue: from fromHerId, else from a reply_to of the form `<HER>_async`. */
function errorQueueFor(fromHerId: string | undefined, replyTo: string | undefined): string | undefined {
  if (fromHerId && HER_ID.test(fromHerId)) return `${fromHerId}_error`;
  const m = /^([0-9]{1,12})_async$/.exec(replyTo ?? '');
  return m ? `${m[1]}_error` : undefined;
}

function normalizeContentType(v: string): string {
  return v.toLowerCase().replace(/\s+/g, '');
}

/**
 * The content of a SignedData without checking its signature, so that an Apprec about a bad signature can
 * still name the message it answers. Returns the input's content if it cannot be found.
 */
function unverifiedContent(signed: Buffer): Buffer {
  try {
    const top = readTlv(signed, 0);
    let sd = top;
    const [first, second] = children(signed, top);
    if (first?.tag === TAG.OID) {
      if (readOid(signed, first) !== '1.2.840.113549.1.7.2' || !second) return signed;
      sd = children(signed, second)[0];
    }
    const encap = children(signed, sd)[2];
    const explicit = children(signed, encap)[1];
    const octets = explicit ? children(signed, explicit)[0] : undefined;
    return octets ? octetStringValue(signed, octets) : signed;
  } catch {
    return signed;
  }
}

function tryReadHead(content: Buffer): { info?: MsgHeadInfo; text?: string; error?: KprError } {
  const decoded = decodeXml(content);
  if (decoded.binary) return { error: new KprError('submit.msghead.malformed', { detail: 'binary content' }) };
  try {
    return { info: readMsgHead(decoded.text), text: decoded.text };
  } catch (e) {
    return { error: e instanceof KprError ? e : new KprError('submit.msghead.malformed', { detail: String(e) }) };
  }
}

function describe(e: unknown, lang: Lang): string {
  if (e instanceof KprError) return maskForLog(e.localized(lang));
  if (e instanceof Error) return maskForLog(e.message);
  return maskForLog(String(e));
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
}

/** Writes a small file so that it is either complete on disk or absent: temp file, fsync, rename. */
function writeDurably(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
