/**
 * `kpr listen --env ENV [--once] [--timeout S]`: receives KPR's Apprecs and transport errors on the
 * municipality's own queues, applies them to the sending journal and prints each one.
 *
 * Exit codes: 0 fine (with --once: the answer was a positive Apprec), 1 a negative answer with --once or a
 * failure, 2 bad usage, 3 nothing arrived within --timeout with --once.
 */
import { Lang, registerMessages, t } from '../i18n';
import { maskPersonIds } from '../privacy';
import { APPREC_ERROR_CODES } from '../submit/apprec';
import { KprConfig } from '../submit/config';
import { Journal, JournalEntry } from '../submit/journal';
import { ApprecListener, ListenerEvent } from '../submit/receiver';
import { formatTime } from '../submit/waitForApprec';
import { parseArgs, UsageError } from './args';
import { resolveCliLang } from './check';
import { CONFIG_OPTIONS, ensureSecrets, loadCliConfig } from './config';
import { CliIO } from './io';

export const LISTEN_USAGE = `Usage: kpr listen [--env ENV] [--once] [--timeout SECONDS] [--retry-quarantined]
                  [--config FILE] [--lang nb|en] [--verbose]
Receives Apprecs (KPR's receipts) and transport errors on the municipality's own _async and _error
queues, updates the sending journal and prints each answer. Runs until Ctrl-C, --timeout or, with
--once, the first answer. --retry-quarantined first tries the saved unreadable messages again.
Exit code: 0 fine, 1 a negative answer (--once) or a failure, 2 bad usage, 3 no answer within --timeout (--once).`;

registerMessages({
  'cli.listen.start': {
    nb: 'Lytter på {async} og {error} ({env}, {url}). {stop}\n',
    en: 'Listening on {async} and {error} ({env}, {url}). {stop}\n',
  },
  'cli.listen.stopCtrlC': { nb: 'Ctrl-C avslutter.', en: 'Ctrl-C stops.' },
  'cli.listen.stopTimeout': { nb: 'Avslutter etter {seconds} s.', en: 'Stops after {seconds} s.' },
  'cli.listen.pending': {
    nb: '{count} sending(er) venter på kvittering.\n',
    en: '{count} sending(s) await their Apprec.\n',
  },
  'cli.listen.unconfirmed': {
    nb: 'Obs: {count} sending(er) ble avbrutt uten bekreftelse fra tjenestebussen (sending-unconfirmed); det er ukjent om de kom fram. Vent på kvitteringen før du sender på nytt.\n',
    en: 'Note: {count} sending(s) were interrupted without a confirmation from the bus (sending-unconfirmed); it is unknown whether they arrived. Wait for the Apprec before sending again.\n',
  },
  'cli.listen.apprec': {
    nb: '{time}  Kvittering for {type} {file} (MsgId {msgId}): status {status} {statusText} → {state}{duplicate}\n',
    en: '{time}  Apprec for {type} {file} (MsgId {msgId}): status {status} {statusText} → {state}{duplicate}\n',
  },
  'cli.listen.duplicate': { nb: ' (mottatt før; ingen endring)', en: ' (received before; nothing changed)' },
  'cli.listen.apprecType': {
    nb: '    kvitteringen gjelder meldingstype {type}\n',
    en: '    the receipt names message type {type}\n',
  },
  'cli.listen.error': { nb: '    {code} {text}{details}\n', en: '    {code} {text}{details}\n' },
  'cli.listen.transport': {
    nb: '{time}  Transportfeil for {type} {file} (MsgId {msgId}): {condition} {description} → {state}{duplicate}\n',
    en: '{time}  Transport error for {type} {file} (MsgId {msgId}): {condition} {description} → {state}{duplicate}\n',
  },
  'cli.listen.unmatched': {
    nb: '{time}  {what} for en MsgId som ikke finnes i sendingsjournalen ({msgId}); lagret i {savedTo}\n',
    en: '{time}  {what} for a MsgId not in the sending journal ({msgId}); saved in {savedTo}\n',
  },
  'cli.listen.what.apprec': { nb: 'Kvittering', en: 'Apprec' },
  'cli.listen.what.transport-error': { nb: 'Transportfeil', en: 'Transport error' },
  'cli.listen.quarantined': {
    nb: '{time}  En melding på {queue} kunne ikke leses og er lagret i {savedTo}: {reason}\n',
    en: '{time}  A message on {queue} could not be read and was saved in {savedTo}: {reason}\n',
  },
  'cli.listen.none': {
    nb: 'Ingen kvittering innen {seconds} s.\n',
    en: 'No answer within {seconds} s.\n',
  },
  'cli.listen.retried': {
    nb: 'Lagrede meldinger prøvd på nytt: {retried}; tatt inn: {applied}; fortsatt uleselige: {still}.\n',
    en: 'Saved messages retried: {retried}; applied: {applied}; still unreadable: {still}.\n',
  },
});

/** One printed block for a listener event, in the user's language; person numbers masked. */
export function formatEvent(e: ListenerEvent, lang: Lang): string {
  const time = formatTime(new Date().toISOString());
  switch (e.kind) {
    case 'apprec': {
      let out = t(lang, 'cli.listen.apprec', {
        time,
        type: e.entry.type,
        file: fileName(e.entry),
        msgId: e.msgId,
        status: e.apprec.status.code,
        statusText: e.apprec.status.dn ?? '',
        state: e.entry.state,
        duplicate: e.result === 'duplicate' ? t(lang, 'cli.listen.duplicate') : '',
      });
      if (e.apprec.originalMsgId.msgType !== e.entry.type) out += t(lang, 'cli.listen.apprecType', { type: e.apprec.originalMsgId.msgType });
      for (const x of e.apprec.errors) {
        const known = APPREC_ERROR_CODES[x.code];
        const text = lang === 'en' && known && x.known ? known.en : (x.text ?? known?.dn ?? '');
        out += t(lang, 'cli.listen.error', { code: x.code, text, details: x.details ? `: ${x.details}` : '' });
      }
      return maskPersonIds(out);
    }
    case 'transport-error':
      return maskPersonIds(
        t(lang, 'cli.listen.transport', {
          time,
          type: e.entry.type,
          file: fileName(e.entry),
          msgId: e.msgId,
          condition: e.error.errorCondition,
          description: e.error.errorDescription,
          state: e.entry.state,
          duplicate: e.result === 'duplicate' ? t(lang, 'cli.listen.duplicate') : '',
        }),
      );
    case 'unmatched':
      return maskPersonIds(t(lang, 'cli.listen.unmatched', { time, what: t(lang, `cli.listen.what.${e.what}`), msgId: e.msgId, savedTo: e.savedTo }));
    case 'quarantined':
      return maskPersonIds(t(lang, 'cli.listen.quarantined', { time, queue: e.queue, savedTo: e.savedTo, reason: e.reason.localized(lang) }));
  }
}

function fileName(e: JournalEntry): string {
  return maskPersonIds(e.file.slice(Math.max(e.file.lastIndexOf('/'), e.file.lastIndexOf('\\')) + 1));
}

/** Whether an event is a good answer (for exit codes). */
export function isPositive(e: ListenerEvent): boolean {
  return e.kind === 'apprec' && e.entry.state === 'accepted';
}

export async function runListen(argv: string[], io: CliIO): Promise<number> {
  const { options, positionals } = parseArgs(argv, {
    ...CONFIG_OPTIONS,
    once: {},
    timeout: { value: true },
    'retry-quarantined': {},
    verbose: { short: 'v' },
  });
  if (options.help) {
    io.out(LISTEN_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`kpr listen takes no files (got '${positionals[0]}')`);
  const lang = resolveCliLang(options.lang as string | undefined, io.env);
  const timeoutS = options.timeout === undefined ? undefined : Number(options.timeout);
  if (timeoutS !== undefined && (!Number.isFinite(timeoutS) || timeoutS <= 0)) throw new UsageError(`--timeout must be a number of seconds, not '${String(options.timeout)}'`);

  let config: KprConfig = loadCliConfig(options, io);
  config = await ensureSecrets(config, ['amqpPassword', 'decryptP12Passphrase'], io, lang);
  const journal = Journal.open(config.journalPath);
  const log = options.verbose ? (line: string) => io.err(line + '\n') : undefined;
  const listener = new ApprecListener(config, { journal, ...(log ? { log } : {}), ...(options.once ? { prefetch: 1 } : {}) });
  try {
    const reconciled = journal.reconcile();
    if (reconciled.length > 0) io.err(t(lang, 'cli.listen.unconfirmed', { count: reconciled.length }));
    io.err(listener.trust.note.localized(lang) + '\n');

    const events: ListenerEvent[] = [];
    let wake: (() => void) | undefined;
    listener.on((e) => {
      events.push(e);
      io.out(formatEvent(e, lang));
      if (options.once) wake?.();
    });

    if (options['retry-quarantined']) {
      const r = await listener.retryQuarantined();
      io.err(t(lang, 'cli.listen.retried', { retried: r.retried, applied: r.applied, still: r.stillFailing }));
    }

    await listener.start();
    const pending = journal.pending({ env: config.environment });
    if (pending.length > 0) io.err(t(lang, 'cli.listen.pending', { count: pending.length }));
    io.err(
      t(lang, 'cli.listen.start', {
        async: config.amqp.asyncQueue,
        error: config.amqp.errorQueue,
        env: config.environment,
        url: config.target.busUrl,
        stop: timeoutS !== undefined ? t(lang, 'cli.listen.stopTimeout', { seconds: timeoutS }) : t(lang, 'cli.listen.stopCtrlC'),
      }),
    );

    // Wait for: the first event (--once), the timeout, or Ctrl-C / SIGTERM.
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        process.removeListener('SIGINT', done);
        process.removeListener('SIGTERM', done);
        resolve();
      };
      wake = done;
      const timer = timeoutS !== undefined ? setTimeout(done, timeoutS * 1000) : undefined;
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
      if (options.once && events.length > 0) done();
    });

    if (options.once) {
      const first = events[0];
      if (!first) {
        io.err(t(lang, 'cli.listen.none', { seconds: timeoutS ?? 0 }));
        return 3;
      }
      return isPositive(first) ? 0 : 1;
    }
    return 0;
  } finally {
    await listener.stop();
    journal.close();
  }
}
