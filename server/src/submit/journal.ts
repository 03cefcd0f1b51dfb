/**
 * The sending journal: an append-only, crash-safe record of every KPR sending and what became of it.
 *
 * Why it exists: a sending must be on disk *before* the message goes out, so a crash can never leave a
 * message sent without a trace (and then be sent again blindly), and an Apprec that comes days later still
 * finds its sending. Format: JSON lines; each record is one `write` followed by `fsync` before the call
 * returns. The file is never rewritten in place: the current state of a sending is the fold of its records.
 *
 * Two processes (the VS Code extension and the `kpr` command line) may use the same journal. Every operation
 * takes a short exclusive lock (`<journal>.lock`, created with O_EXCL, holding pid and host), reads what
 * others appended since, decides, appends and releases. A lock left by a dead process on this host, or older
 * than `staleLockMs`, is broken. Node has no flock(); the remaining race (two processes breaking the same
 * stale lock in the same millisecond) needs a crash while holding a lock held for a few milliseconds.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { KprError, defineErrors } from '../errors';

const err = defineErrors({
  'journal.resendRefused': {
    en: 'The same content was already sent to {env} as message {msgId} at {time} and is still waiting for its Apprec ({state}). Sending it again is refused; wait for the Apprec, or force the sending if you are sure.',
    nb: 'Det samme innholdet ble allerede sendt til {env} som melding {msgId} {time} og venter fortsatt på applikasjonskvittering ({state}). Ny sending avvises; vent på kvitteringen, eller tving sendingen hvis du er sikker.',
  },
  'journal.duplicateMsgId': {
    en: 'Message id {msgId} is already in the sending journal; every sending needs a new MsgId.',
    nb: 'Meldings-ID {msgId} finnes allerede i sendingsjournalen; hver sending må ha en ny MsgId.',
  },
  'journal.unknownMsgId': {
    en: 'Message id {msgId} is not in the sending journal {path}.',
    nb: 'Meldings-ID {msgId} finnes ikke i sendingsjournalen {path}.',
  },
  'journal.locked': {
    en: 'The sending journal {path} is in use by process {pid} on {host}; try again in a moment.',
    nb: 'Sendingsjournalen {path} brukes av prosess {pid} på {host}; prøv igjen om litt.',
  },
  'journal.io': {
    en: 'Cannot {action} the sending journal {path}: {reason}',
    nb: 'Kan ikke {action} sendingsjournalen {path}: {reason}',
  },
  'journal.badApprecStatus': {
    en: 'The Apprec for {msgId} has an unknown status "{status}" (expected 1, 2 or 3, list 8258).',
    nb: 'Applikasjonskvitteringen for {msgId} har ukjent status «{status}» (forventet 1, 2 eller 3, kodeverk 8258).',
  },
  'journal.apprecMismatch': {
    en: 'The Apprec refers to message {original}, not to {msgId}.',
    nb: 'Applikasjonskvitteringen gjelder melding {original}, ikke {msgId}.',
  },
  'journal.badInput': {
    en: 'Cannot record the sending: {reason}',
    nb: 'Kan ikke registrere sendingen: {reason}',
  },
});

export type KprMessageType = 'KPR_IPL' | 'KPR_IDE';

export type JournalState =
  | 'sending'
  | 'sending-unconfirmed'
  | 'sent'
  | 'failed'
  | 'transport-error'
  | 'accepted'
  | 'accepted-with-errors'
  | 'rejected';

/** States only move forward along this order; equal ranks do not replace each other, except Apprecs (latest wins). */
const RANK: Record<JournalState, number> = {
  sending: 0,
  'sending-unconfirmed': 1,
  sent: 2,
  failed: 3,
  'transport-error': 3,
  accepted: 4,
  'accepted-with-errors': 4,
  rejected: 4,
};

/** States in which a sending still waits for its Apprec. */
export const AWAITING_APPREC: readonly JournalState[] = ['sending', 'sending-unconfirmed', 'sent'];

/** What the Apprec parser found (DOMAIN.md §9), plus the XML itself. */
export interface ApprecSummary {
  /** `Status/@V`, list 8258: 1 OK, 2 Avvist, 3 OK with errors in part of the message. */
  status: string;
  statusText?: string;
  /** The Apprec's own `Id`/MsgId, when it has one. */
  apprecId?: string;
  /** `OriginalMsgId/Id`: must be the MsgId of our sending. */
  originalMsgId?: string;
  /** `OriginalMsgId/MsgType` as the Apprec names it (may be KPR_HOM). */
  originalMsgType?: string;
  issueDate?: string;
  errors?: Array<{ code: string; text?: string; description?: string }>;
  /** The decrypted Apprec XML. */
  raw: string;
}

export interface TransportErrorInfo {
  errorCondition: string;
  errorDescription: string;
  /** The error message's own AMQP message id. */
  messageId?: string;
  properties?: Record<string, string>;
}

export interface RecordSendingInput {
  msgId: string;
  /** The payload file the user sent (as the user knows it). */
  file: string;
  /** SHA-256 (hex) of the payload that was sent. */
  sha256: string;
  type: KprMessageType;
  /** 'prod' | 'qa' | 'test' or a custom environment name. */
  env: string;
  toHerId?: string;
  size?: number;
  /** Send even though the same content awaits an Apprec in the same environment. */
  force?: boolean;
}

export interface JournalEntry {
  msgId: string;
  file: string;
  sha256: string;
  type: KprMessageType;
  env: string;
  toHerId?: string;
  size?: number;
  forced: boolean;
  createdAt: string;
  state: JournalState;
  updatedAt: string;
  sentAt?: string;
  failure?: { at: string; reason: string };
  /** Why the sending may have reached the broker without its confirmation (state 'sending-unconfirmed'). */
  unconfirmed?: { at: string; reason: string };
  apprecs: Array<{ at: string; apprec: ApprecSummary; rawSha256: string }>;
  transportErrors: Array<{ at: string; error: TransportErrorInfo }>;
  /** Who created it: used to tell an interrupted sending from one in progress elsewhere. */
  owner: { pid: number; host: string; instance: string };
}

export interface JournalProblem {
  /** 1-based line number in the file. */
  line: number;
  offset: number;
  kind: 'torn' | 'damaged' | 'unknown-record' | 'truncated';
}

export type ApplyResult = 'applied' | 'recorded' | 'duplicate' | 'unknown';

export interface JournalOptions {
  /** Clock, for tests. */
  now?: () => Date;
  /** How long to wait for another process's lock. Default 5000 ms. */
  lockTimeoutMs?: number;
  /** A lock older than this is considered left behind. Default 30 000 ms. */
  staleLockMs?: number;
  /** A 'sending' older than this is treated as interrupted even if its process seems alive. Default 15 min. */
  staleSendingMs?: number;
}

type JournalRecord =
  | ({ v: 1; op: 'created'; at: string; pid: number; host: string; instance: string; forced: boolean } & Omit<RecordSendingInput, 'force'>)
  | { v: 1; op: 'state'; at: string; msgId: string; state: 'sent' | 'sending-unconfirmed'; reason?: string }
  | { v: 1; op: 'failed'; at: string; msgId: string; reason: string }
  | { v: 1; op: 'apprec'; at: string; msgId: string; apprec: ApprecSummary; rawSha256: string }
  | { v: 1; op: 'transport-error'; at: string; msgId: string; error: TransportErrorInfo };

const APPREC_STATE: Record<string, JournalState> = { '1': 'accepted', '2': 'rejected', '3': 'accepted-with-errors' };

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Journal instances of this process that are open: a 'sending' of a closed (or lost) instance is not in progress. */
const LIVE_INSTANCES = new Set<string>();

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ioError(action: string, file: string, e: unknown) {
  return err('journal.io', { action, path: file, reason: (e as NodeJS.ErrnoException).code ?? String(e) }, e);
}

export class Journal {
  private fd: number;
  private ino: number;
  /** Bytes of the file folded so far (always just after a newline). */
  private offset = 0;
  private lineNo = 0;
  /** Offset of a torn tail already reported, so it is not reported again once a newline seals it. */
  private tornAt = -1;
  private readonly map = new Map<string, JournalEntry>();
  private readonly seenApprecs = new Map<string, Set<string>>();
  private readonly instance = randomUUID();
  private readonly host = os.hostname();
  private readonly now: () => Date;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  private readonly staleSendingMs: number;
  private readonly lockPath: string;
  /** Torn or damaged lines met so far: reported, never fatal. */
  readonly problems: JournalProblem[] = [];

  /** Opens (creating if needed) the journal at `file` and reads it. */
  static open(file: string, options: JournalOptions = {}): Journal {
    return new Journal(nodePath.resolve(file), options);
  }

  private constructor(
    readonly path: string,
    options: JournalOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.lockTimeoutMs = options.lockTimeoutMs ?? 5000;
    this.staleLockMs = options.staleLockMs ?? 30_000;
    this.staleSendingMs = options.staleSendingMs ?? 15 * 60_000;
    this.lockPath = `${this.path}.lock`;
    try {
      fs.mkdirSync(nodePath.dirname(this.path), { recursive: true });
    } catch (e) {
      throw ioError('create', this.path, e);
    }
    const existed = fs.existsSync(this.path);
    ({ fd: this.fd, ino: this.ino } = this.openFile());
    if (!existed) this.fsyncDir();
    this.withLock(() => this.refresh());
    LIVE_INSTANCES.add(this.instance);
  }

  private openFile(): { fd: number; ino: number } {
    try {
      const fd = fs.openSync(this.path, 'a+', 0o600);
      return { fd, ino: fs.fstatSync(fd).ino };
    } catch (e) {
      throw ioError('open', this.path, e);
    }
  }

  /** A new file's directory entry must be durable too, or a crash could lose the whole file. */
  private fsyncDir(): void {
    let dfd: number | undefined;
    try {
      dfd = fs.openSync(nodePath.dirname(this.path), 'r');
      fs.fsyncSync(dfd);
    } catch {
      /* some file systems refuse fsync on directories; the file's own fsync still holds */
    } finally {
      if (dfd !== undefined) fs.closeSync(dfd);
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    LIVE_INSTANCES.delete(this.instance);
  }

  // ---------------------------------------------------------------- locking

  private withLock<T>(fn: () => T): T {
    const token = this.acquireLock();
    try {
      return fn();
    } finally {
      this.releaseLock(token);
    }
  }

  private acquireLock(): string {
    const token = randomUUID();
    const content = JSON.stringify({ pid: process.pid, host: this.host, at: Date.now(), token });
    const deadline = Date.now() + this.lockTimeoutMs;
    let delay = 2;
    for (;;) {
      try {
        const fd = fs.openSync(this.lockPath, 'wx', 0o600);
        try {
          fs.writeSync(fd, content);
        } finally {
          fs.closeSync(fd);
        }
        return token;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('lock', this.path, e);
      }
      const holder = this.readLock();
      // Released between our attempt and this look: try again at once. Never unlink here: by now another
      // process may hold a fresh lock under the same name (that race let two writers in under load).
      if (holder === undefined) continue;
      if (this.lockIsStale(holder)) {
        this.breakStaleLock(holder);
        continue;
      }
      if (Date.now() > deadline) {
        throw err('journal.locked', { path: this.path, pid: holder.pid ?? '?', host: holder.host ?? '?' });
      }
      sleepSync(delay);
      delay = Math.min(50, delay * 2);
    }
  }

  private readLock(): { pid?: number; host?: string; at?: number; token?: string; mtime: number } | undefined {
    try {
      const st = fs.statSync(this.lockPath);
      const text = fs.readFileSync(this.lockPath, 'utf8');
      try {
        return { ...(JSON.parse(text) as object), mtime: st.mtimeMs };
      } catch {
        // Written by a process that died between creating and filling it (or filling it right now).
        return { mtime: st.mtimeMs };
      }
    } catch {
      return undefined;
    }
  }

  /**
   * Removes a stale lock, but only the one judged stale: the lock is renamed aside first and checked, and
   * a fresh lock that another process created in the meantime is put back.
   */
  private breakStaleLock(holder: { token?: string; mtime: number }): void {
    const aside = `${this.lockPath}.${process.pid}.${randomUUID()}.stale`;
    try {
      fs.renameSync(this.lockPath, aside);
    } catch {
      return; // someone else broke or released it first
    }
    let taken: { token?: string } = {};
    try {
      taken = JSON.parse(fs.readFileSync(aside, 'utf8')) as { token?: string };
    } catch {
      /* an empty or torn lock is as stale as the one we saw */
    }
    if (holder.token !== undefined && taken.token !== undefined && taken.token !== holder.token) {
      // Not the lock we judged: put it back if its place is still free (link fails if it is not).
      try {
        fs.linkSync(aside, this.lockPath);
      } catch {
        /* a newer lock is there: the one we took is gone for good, its holder will find out on release */
      }
    }
    try {
      fs.unlinkSync(aside);
    } catch {
      /* already gone */
    }
  }

  private lockIsStale(holder: { pid?: number; host?: string; mtime: number }): boolean {
    if (Date.now() - holder.mtime > this.staleLockMs) return true;
    if (holder.pid !== undefined && holder.host === this.host && !pidAlive(holder.pid)) return true;
    return false;
  }

  private releaseLock(token: string): void {
    try {
      const holder = JSON.parse(fs.readFileSync(this.lockPath, 'utf8')) as { token?: string };
      if (holder.token === token) fs.unlinkSync(this.lockPath);
    } catch {
      /* gone already (broken as stale by someone else): nothing to release */
    }
  }

  // ---------------------------------------------------------------- reading

  /** Folds whatever was appended (by us or another process) since the last read. Call with the lock held. */
  private refresh(): void {
    try {
      const st = fs.statSync(this.path, { throwIfNoEntry: false });
      if (!st || st.ino !== this.ino) {
        // The file was moved away or replaced: follow the path, start over.
        fs.closeSync(this.fd);
        ({ fd: this.fd, ino: this.ino } = this.openFile());
        this.reset();
      }
      const size = fs.fstatSync(this.fd).size;
      if (size < this.offset) {
        this.problems.push({ line: this.lineNo, offset: this.offset, kind: 'truncated' });
        this.reset();
      }
      if (size === this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(this.fd, buf, got, buf.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      this.consume(buf.subarray(0, got));
    } catch (e) {
      if (e instanceof KprError) throw e;
      throw ioError('read', this.path, e);
    }
  }

  private reset(): void {
    this.offset = 0;
    this.lineNo = 0;
    this.tornAt = -1;
    this.map.clear();
    this.seenApprecs.clear();
  }

  private consume(buf: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      const lineOffset = this.offset + start;
      this.lineNo++;
      const text = buf.subarray(start, nl).toString('utf8');
      start = nl + 1;
      if (text.trim() === '') continue;
      const record = this.parse(text);
      if (record) this.apply(record, lineOffset);
      else if (lineOffset !== this.tornAt) this.problems.push({ line: this.lineNo, offset: lineOffset, kind: 'damaged' });
    }
    this.offset += start;
    if (start < buf.length) {
      // No newline at the end: a write cut short by a crash (writers hold the lock, so it is not in progress).
      const tail = buf.subarray(start).toString('utf8');
      const record = this.parse(tail);
      if (record) {
        // Complete but for its newline: keep it, and consume it, so sealing it later is not seen twice.
        this.lineNo++;
        this.apply(record, this.offset);
        this.offset += buf.length - start;
        this.tornAt = -2; // the next append must start with a newline
      } else if (this.tornAt !== this.offset) {
        this.tornAt = this.offset;
        this.problems.push({ line: this.lineNo + 1, offset: this.offset, kind: 'torn' });
      }
    }
  }

  private parse(text: string): JournalRecord | undefined {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (!o || typeof o !== 'object') return undefined;
    const r = o as { v?: unknown; op?: unknown; msgId?: unknown };
    if (r.v !== 1 || typeof r.op !== 'string' || typeof r.msgId !== 'string') return undefined;
    return o as JournalRecord;
  }

  /** Folds one record into the current state. Must stay deterministic: every process folds the same file. */
  private apply(r: JournalRecord, offset: number): void {
    if (r.op === 'created') {
      if (this.map.has(r.msgId)) return;
      this.map.set(r.msgId, {
        msgId: r.msgId,
        file: r.file,
        sha256: r.sha256,
        type: r.type,
        env: r.env,
        toHerId: r.toHerId,
        size: r.size,
        forced: r.forced,
        createdAt: r.at,
        state: 'sending',
        updatedAt: r.at,
        apprecs: [],
        transportErrors: [],
        owner: { pid: r.pid, host: r.host, instance: r.instance },
      });
      return;
    }
    const e = this.map.get(r.msgId);
    if (!e) {
      this.problems.push({ line: this.lineNo, offset, kind: 'unknown-record' });
      return;
    }
    switch (r.op) {
      case 'state':
        if (r.state === 'sent') e.sentAt ??= r.at;
        if (r.state === 'sending-unconfirmed' && r.reason) e.unconfirmed ??= { at: r.at, reason: r.reason };
        this.advance(e, r.state, r.at);
        break;
      case 'failed':
        e.failure ??= { at: r.at, reason: r.reason };
        this.advance(e, 'failed', r.at);
        break;
      case 'apprec': {
        e.apprecs.push({ at: r.at, apprec: r.apprec, rawSha256: r.rawSha256 });
        this.rememberApprec(r.msgId, r.apprec, r.rawSha256);
        const target = APPREC_STATE[r.apprec.status];
        if (target) {
          // A later, different Apprec for the same message replaces the verdict: it is the receiver's latest word.
          e.state = target;
          e.updatedAt = r.at;
        }
        break;
      }
      case 'transport-error':
        e.transportErrors.push({ at: r.at, error: r.error });
        this.advance(e, 'transport-error', r.at);
        break;
    }
  }

  private advance(e: JournalEntry, to: JournalState, at: string): void {
    if (RANK[to] > RANK[e.state]) {
      e.state = to;
      e.updatedAt = at;
    }
  }

  private rememberApprec(msgId: string, a: ApprecSummary, rawSha256: string): void {
    let seen = this.seenApprecs.get(msgId);
    if (!seen) this.seenApprecs.set(msgId, (seen = new Set()));
    seen.add(`raw:${rawSha256}`);
    if (a.apprecId) seen.add(`id:${a.apprecId}`);
  }

  // ---------------------------------------------------------------- writing

  /** Appends one record and fsyncs it. Call with the lock held, after refresh(). */
  private append(record: JournalRecord): void {
    const line = JSON.stringify(record) + '\n';
    // A torn tail left by a crash is sealed with a newline first, so it cannot swallow this record.
    const sealTorn = this.tornAt === this.offset || this.tornAt === -2;
    const buf = Buffer.from(sealTorn ? '\n' + line : line, 'utf8');
    try {
      let written = 0;
      while (written < buf.length) written += fs.writeSync(this.fd, buf, written, buf.length - written);
      fs.fsyncSync(this.fd);
    } catch (e) {
      throw ioError('write', this.path, e);
    }
    if (this.tornAt === -2) this.tornAt = -1;
    // Fold our own record through the same path as everyone else's.
    this.refresh();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  // ---------------------------------------------------------------- public API

  /**
   * Records a new sending in state 'sending' and makes it durable. Only after this returns may the caller
   * send. Refuses (KprError) if the same content awaits an Apprec in the same environment, unless forced.
   */
  recordSending(input: RecordSendingInput): JournalEntry {
    if (!input.msgId || !/^\S+$/.test(input.msgId)) throw err('journal.badInput', { reason: 'msgId' });
    if (!/^[0-9a-f]{64}$/i.test(input.sha256)) throw err('journal.badInput', { reason: 'sha256' });
    if (input.type !== 'KPR_IPL' && input.type !== 'KPR_IDE') throw err('journal.badInput', { reason: `type ${String(input.type)}` });
    if (!input.env) throw err('journal.badInput', { reason: 'env' });
    return this.withLock(() => {
      this.refresh();
      if (this.map.has(input.msgId)) throw err('journal.duplicateMsgId', { msgId: input.msgId });
      this.checkMaySend(input.env, input.sha256.toLowerCase(), Boolean(input.force));
      const record: JournalRecord = {
        v: 1,
        op: 'created',
        at: this.stamp(),
        msgId: input.msgId,
        file: input.file,
        sha256: input.sha256.toLowerCase(),
        type: input.type,
        env: input.env,
        ...(input.toHerId !== undefined ? { toHerId: input.toHerId } : {}),
        ...(input.size !== undefined ? { size: input.size } : {}),
        forced: Boolean(input.force),
        pid: process.pid,
        host: this.host,
        instance: this.instance,
      };
      this.append(record);
      return clone(this.map.get(input.msgId)!);
    });
  }

  /** The broker accepted the message. Ignored if the sending has moved further already. */
  markSent(msgId: string): JournalEntry {
    return this.transition(msgId, 'sent', () => ({ v: 1, op: 'state', at: this.stamp(), msgId, state: 'sent' }));
  }

  /**
   * The message may have reached the broker, but its confirmation never came (the connection dropped after
   * the send). It still awaits its Apprec, blocks a resend of the same content, and is never resent
   * automatically: only the Apprec (or the analyst) can tell whether it arrived.
   */
  markUnconfirmed(msgId: string, reason: string): JournalEntry {
    return this.transition(msgId, 'sending-unconfirmed', () => ({ v: 1, op: 'state', at: this.stamp(), msgId, state: 'sending-unconfirmed', reason }));
  }

  /** The message certainly did not reach the broker (refused, or never sent before the deadline). */
  markFailed(msgId: string, reason: string): JournalEntry {
    return this.transition(msgId, 'failed', () => ({ v: 1, op: 'failed', at: this.stamp(), msgId, reason }));
  }

  private transition(msgId: string, to: JournalState, make: () => JournalRecord): JournalEntry {
    return this.withLock(() => {
      this.refresh();
      const e = this.map.get(msgId);
      if (!e) throw err('journal.unknownMsgId', { msgId, path: this.path });
      if (RANK[to] > RANK[e.state]) this.append(make());
      return clone(this.map.get(msgId)!);
    });
  }

  /**
   * Attaches an Apprec to its sending. The same Apprec again (same Apprec id or same XML) changes nothing and
   * returns 'duplicate'; an Apprec for a MsgId not in this journal returns 'unknown' and is not stored.
   */
  applyApprec(msgId: string, apprec: ApprecSummary): ApplyResult {
    if (apprec.originalMsgId && apprec.originalMsgId !== msgId) {
      throw err('journal.apprecMismatch', { original: apprec.originalMsgId, msgId });
    }
    if (!APPREC_STATE[apprec.status]) throw err('journal.badApprecStatus', { msgId, status: String(apprec.status) });
    const rawSha256 = sha256(apprec.raw);
    return this.withLock(() => {
      this.refresh();
      const e = this.map.get(msgId);
      if (!e) return 'unknown';
      const seen = this.seenApprecs.get(msgId);
      if (seen && (seen.has(`raw:${rawSha256}`) || (apprec.apprecId && seen.has(`id:${apprec.apprecId}`)))) return 'duplicate';
      const before = e.state;
      this.append({ v: 1, op: 'apprec', at: this.stamp(), msgId, apprec: { ...apprec }, rawSha256 });
      const after = this.map.get(msgId)!;
      return after.state !== before || after.apprecs.length === 1 ? 'applied' : 'recorded';
    });
  }

  /** Attaches a transport error from the `_error` queue. Idempotent like applyApprec. */
  applyTransportError(msgId: string, error: TransportErrorInfo): ApplyResult {
    return this.withLock(() => {
      this.refresh();
      const e = this.map.get(msgId);
      if (!e) return 'unknown';
      const same = e.transportErrors.some(
        (t) =>
          (error.messageId !== undefined && t.error.messageId === error.messageId) ||
          (t.error.errorCondition === error.errorCondition && t.error.errorDescription === error.errorDescription),
      );
      if (same) return 'duplicate';
      const before = e.state;
      this.append({ v: 1, op: 'transport-error', at: this.stamp(), msgId, error: { ...error } });
      return this.map.get(msgId)!.state !== before ? 'applied' : 'recorded';
    });
  }

  /** One sending, current state; undefined if unknown. */
  get(msgId: string): JournalEntry | undefined {
    return this.withLock(() => {
      this.refresh();
      const e = this.map.get(msgId);
      return e ? clone(e) : undefined;
    });
  }

  /** Every sending, current state, oldest first. */
  entries(): JournalEntry[] {
    return this.withLock(() => {
      this.refresh();
      return [...this.map.values()].map(clone).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    });
  }

  /** Sendings still waiting for their Apprec, optionally only those of one environment and/or content. */
  pending(filter: { env?: string; sha256?: string } = {}): JournalEntry[] {
    const sha = filter.sha256?.toLowerCase();
    return this.entries().filter(
      (e) => AWAITING_APPREC.includes(e.state) && (filter.env === undefined || e.env === filter.env) && (sha === undefined || e.sha256 === sha),
    );
  }

  /** Throws a KprError naming the earlier sending if the same content awaits an Apprec in `env`, unless forced. */
  assertMaySend(env: string, sha256Hex: string, options: { force?: boolean } = {}): void {
    this.withLock(() => {
      this.refresh();
      this.checkMaySend(env, sha256Hex.toLowerCase(), Boolean(options.force));
    });
  }

  private checkMaySend(env: string, sha: string, force: boolean): void {
    if (force) return;
    const earlier = [...this.map.values()]
      .filter((e) => e.env === env && e.sha256 === sha && AWAITING_APPREC.includes(e.state))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (earlier) {
      throw err('journal.resendRefused', { env, msgId: earlier.msgId, time: earlier.createdAt, state: earlier.state });
    }
  }

  /**
   * After a crash: sendings left in 'sending' by a process that is gone (or too long ago) become
   * 'sending-unconfirmed' — unknown whether the broker got them. They are never resent automatically; an
   * Apprec arriving later still matches them. Returns every sending now in that state.
   */
  reconcile(): JournalEntry[] {
    return this.withLock(() => {
      this.refresh();
      const nowMs = this.now().getTime();
      for (const e of [...this.map.values()]) {
        if (e.state !== 'sending') continue;
        const ours = e.owner.instance === this.instance;
        const sameHost = e.owner.host === this.host;
        const ownerGone =
          sameHost && (e.owner.pid === process.pid ? !LIVE_INSTANCES.has(e.owner.instance) : !pidAlive(e.owner.pid));
        const tooOld = nowMs - Date.parse(e.createdAt) > this.staleSendingMs;
        if (!ours && (ownerGone || tooOld)) {
          this.append({ v: 1, op: 'state', at: this.stamp(), msgId: e.msgId, state: 'sending-unconfirmed' });
        }
      }
      return [...this.map.values()].filter((e) => e.state === 'sending-unconfirmed').map(clone);
    });
  }
}

function clone(e: JournalEntry): JournalEntry {
  return structuredClone(e);
}
