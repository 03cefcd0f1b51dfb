/**
 * Waiting for the Apprecs of given sendings, with a time limit.
 *
 * KPR answers every sending with an Apprec, but "this can take some time" (the yearly letter), and the
 * letter says not to send again before the Apprec has been checked. So a wait that runs out is not an
 * error of the sending: it ends with a message that says what was sent when, and what to do instead of
 * resending. Receipts arrive through an ApprecListener (its events) or through another process using the
 * same journal (e.g. the VS Code extension listening while the command line waits), so the journal is
 * looked at again every few seconds too.
 */
import { defineErrors, KprError } from '../errors';
import { Lang, t } from '../i18n';
import { maskPersonIds } from '../privacy';
import { Journal, JournalEntry, JournalState } from './journal';
import type { ApprecListener } from './receiver';

const MESSAGES = {
  'submit.wait.timeout': {
    nb: 'Ingen applikasjonskvittering innen {seconds} s for:\n{list}\nKPR kan bruke tid på å svare («Dette kan ta noe tid», står det i KPRs brev). Ikke send filene på nytt før kvitteringen er sjekket: ta imot den senere med «kpr listen», og se status med «kpr status».',
    en: 'No Apprec within {seconds} s for:\n{list}\nKPR may take time to answer (its yearly letter says so). Do not send the files again before the Apprec has been checked: receive it later with "kpr listen", and see the state with "kpr status".',
  },
  'submit.wait.line': {
    nb: '  {type} {file}, MsgId {msgId}, sendt {sentAt} til {env} ({state})',
    en: '  {type} {file}, MsgId {msgId}, sent {sentAt} to {env} ({state})',
  },
  'submit.wait.unknown': {
    nb: 'Meldings-ID {msgId} finnes ikke i sendingsjournalen; det er ingen kvittering å vente på.',
    en: 'Message id {msgId} is not in the sending journal; there is no Apprec to wait for.',
  },
  'submit.wait.cancelled': {
    nb: 'Ventingen på applikasjonskvittering ble avbrutt.',
    en: 'Waiting for the Apprec was cancelled.',
  },
  'submit.wait.notSent': {
    nb: 'ikke sendt',
    en: 'not sent',
  },
} as const;
const err = defineErrors<keyof typeof MESSAGES>(MESSAGES);

/** States after which no (further) Apprec is awaited. */
export const FINAL_STATES: readonly JournalState[] = ['accepted', 'accepted-with-errors', 'rejected', 'transport-error', 'failed'];

export function isFinal(state: JournalState): boolean {
  return FINAL_STATES.includes(state);
}

/** The wait ran out; `pending` are the sendings still without an answer. */
export class ApprecTimeoutError extends KprError {
  constructor(
    readonly seconds: number,
    readonly pending: JournalEntry[],
    readonly done: JournalEntry[],
  ) {
    super('submit.wait.timeout', { seconds, list: pendingList(pending, 'en') });
    this.name = 'ApprecTimeoutError';
  }

  override localized(lang: Lang): string {
    return t(lang, this.key, { seconds: this.seconds, list: pendingList(this.pending, lang) });
  }
}

function pendingList(entries: JournalEntry[], lang: Lang): string {
  return entries
    .map((e) =>
      t(lang, 'submit.wait.line', {
        type: e.type,
        file: maskPersonIds(baseName(e.file)),
        msgId: e.msgId,
        sentAt: e.sentAt ? formatTime(e.sentAt) : e.state === 'failed' ? t(lang, 'submit.wait.notSent') : formatTime(e.createdAt),
        env: e.env,
        state: e.state,
      }),
    )
    .join('\n');
}

function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

/** "2025-01-10 09:41:07 UTC": unambiguous in both languages. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
}

export interface WaitOptions {
  /** How long to wait, in milliseconds. */
  timeoutMs: number;
  /** Receipts applied by this listener end the wait at once. */
  listener?: ApprecListener;
  /** How often the journal is read for receipts applied by another process. Default 2000 ms. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called when one of the sendings got its answer (in the order they come). */
  onAnswer?: (entry: JournalEntry) => void;
}

/**
 * Resolves with the journal entries of `msgIds` once every one has a final state (an Apprec, a transport
 * error, or a failed send). Rejects with ApprecTimeoutError when `timeoutMs` passes first.
 */
export function waitForApprec(journal: Journal, msgIds: string[], options: WaitOptions): Promise<JournalEntry[]> {
  for (const id of msgIds) if (!journal.get(id)) return Promise.reject(err('submit.wait.unknown', { msgId: id }));
  return new Promise<JournalEntry[]>((resolve, reject) => {
    const answered = new Set<string>();
    let finished = false;
    const cleanups: Array<() => void> = [];
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      for (const c of cleanups) c();
      fn();
    };
    const check = () => {
      if (finished) return;
      let entries: JournalEntry[];
      try {
        entries = msgIds.map((id) => journal.get(id)!);
      } catch (e) {
        // A journal held by another process for a moment: look again at the next tick.
        if (e instanceof KprError && e.key === 'journal.locked') return;
        finish(() => reject(e));
        return;
      }
      for (const e of entries) {
        if (isFinal(e.state) && !answered.has(e.msgId)) {
          answered.add(e.msgId);
          options.onAnswer?.(e);
        }
      }
      if (entries.every((e) => isFinal(e.state))) finish(() => resolve(entries));
    };

    if (options.listener) {
      const wanted = new Set(msgIds);
      cleanups.push(
        options.listener.on((e) => {
          if ((e.kind === 'apprec' || e.kind === 'transport-error') && wanted.has(e.msgId)) check();
        }),
      );
    }
    const poll = setInterval(check, Math.max(100, options.pollMs ?? 2000));
    poll.unref?.();
    cleanups.push(() => clearInterval(poll));
    const timer = setTimeout(() => {
      check();
      if (finished) return;
      const entries = msgIds.map((id) => journal.get(id)!);
      finish(() =>
        reject(
          new ApprecTimeoutError(
            Math.round(options.timeoutMs / 1000),
            entries.filter((e) => !isFinal(e.state)),
            entries.filter((e) => isFinal(e.state)),
          ),
        ),
      );
    }, options.timeoutMs);
    cleanups.push(() => clearTimeout(timer));
    const signal = options.signal;
    if (signal) {
      const onAbort = () => finish(() => reject(err('submit.wait.cancelled')));
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    check();
  });
}
