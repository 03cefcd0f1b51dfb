/**
 * `kpr submit FILE... --env ENV [--force] [--yes] [--wait SECONDS]`: checks the files like `kpr check`,
 * refuses on errors (unless --force), asks for confirmation before a production sending (unless --yes),
 * sends the fagmelding (KPR_IPL) and the identmelding (KPR_IDE) as two sendings and, with --wait, waits
 * for KPR's Apprecs.
 *
 * Exit codes: 0 sent (and, with --wait, accepted), 1 refused, failed or not accepted, 2 bad usage,
 * 3 sent but no Apprec within --wait (not an error of the sending: see the message).
 */
import * as path from 'node:path';
import { Finding, Severity, severityName } from '../analysis/types';
import { KprError } from '../errors';
import { Lang, registerMessages, t } from '../i18n';
import { maskPersonIds } from '../privacy';
import { KprConfig } from '../submit/config';
import { KprEnvironment } from '../submit/environments';
import { JournalEntry } from '../submit/journal';
import { ApprecListener } from '../submit/receiver';
import { loadDecryptionBundle, prepareAll, PreparedFile, SecretName, SubmitProgress, Submitter } from '../submit/submitter';
import { ApprecTimeoutError, waitForApprec } from '../submit/waitForApprec';
import { parseArgs, UsageError } from './args';
import { message, resolveCliLang, settingsFromArgs } from './check';
import { confirm, CONFIG_OPTIONS, ensureSecrets, loadCliConfig } from './config';
import { CliIO } from './io';
import { formatEvent } from './listen';

export const SUBMIT_USAGE = `Usage: kpr submit FILE... [--env ENV] [--force] [--yes] [--wait SECONDS]
                  [--config FILE] [--lang nb|en] [--year YYYY] [--test-users FILE]
                  [--severity CODE=LEVEL]... [--verbose]
Checks and sends a fagmelding (KPR_IPL) and/or an identmelding (KPR_IDE) to KPR, as two sendings.
Refuses when the check finds errors, and refuses to send the same content again while an earlier
sending of it awaits its Apprec; --force overrides both. Sending to prod asks for confirmation on the
terminal (--yes skips it). --wait SECONDS waits for the Apprecs.
Exit code: 0 sent (with --wait: accepted), 1 refused/failed/not accepted, 2 bad usage,
3 sent, but no Apprec within --wait.`;

registerMessages({
  'cli.submit.fileLine': {
    nb: '{file}: {type} ({kind}), {counts}{period}: {errors} feil, {warnings} advarsler\n',
    en: '{file}: {type} ({kind}), {counts}{period}: {errors} error(s), {warnings} warning(s)\n',
  },
  'cli.submit.kind.KPR_IPL': { nb: 'fagmelding', en: 'fagmelding' },
  'cli.submit.kind.KPR_IDE': { nb: 'identmelding', en: 'identmelding' },
  'cli.submit.counts.fag': { nb: '{persons} personer, {services} tjenester', en: '{persons} persons, {services} services' },
  'cli.submit.counts.ide': { nb: '{idents} identer', en: '{idents} identities' },
  'cli.submit.period': { nb: ', periode {from}–{to}', en: ', period {from}–{to}' },
  'cli.submit.more': {
    nb: '  … og {count} til (se «kpr check {file}»)\n',
    en: '  … and {count} more (see "kpr check {file}")\n',
  },
  'cli.submit.refused': {
    nb: 'Sendes ikke: kontrollen fant {count} feil. Rett dem og prøv igjen, eller bruk --force hvis du er sikker.\n',
    en: 'Not sent: the check found {count} error(s). Fix them and try again, or use --force if you are sure.\n',
  },
  'cli.submit.forcedErrors': {
    nb: 'Sender likevel (--force) selv om kontrollen fant {count} feil.\n',
    en: 'Sending anyway (--force) although the check found {count} error(s).\n',
  },
  'cli.submit.confirm': {
    nb: 'Du er i ferd med å sende til KPR i PRODUKSJON (mottaker HER-id {receiver}) for {municipality}:\n{lines}Skriv «ja» for å sende: ',
    en: 'You are about to send to KPR in PRODUCTION (receiver HER-id {receiver}) for {municipality}:\n{lines}Type "yes" to send: ',
  },
  'cli.submit.confirmLine': { nb: '  {type} {file}: {counts}{period}\n', en: '  {type} {file}: {counts}{period}\n' },
  'cli.submit.notConfirmed': {
    nb: 'Ikke sendt: sendingen til produksjon ble ikke bekreftet.\n',
    en: 'Not sent: the sending to production was not confirmed.\n',
  },
  'cli.submit.noTerminal': {
    nb: 'Ikke sendt: en sending til produksjon må bekreftes, og det finnes ingen terminal å spørre i. Kjør kommandoen i en terminal, eller legg til --yes hvis du er sikker.\n',
    en: 'Not sent: a sending to production must be confirmed, and there is no terminal to ask on. Run the command in a terminal, or add --yes if you are sure.\n',
  },
  'cli.submit.progress.packing': { nb: '[{n}/{total}] {type} {file}: pakker (hodemelding, signering, kryptering)\n', en: '[{n}/{total}] {type} {file}: packing (Hodemelding, signing, encryption)\n' },
  'cli.submit.progress.recorded': { nb: '[{n}/{total}] {type} {file}: ført i sendingsjournalen som MsgId {msgId}\n', en: '[{n}/{total}] {type} {file}: recorded in the sending journal as MsgId {msgId}\n' },
  'cli.submit.progress.sending': { nb: '[{n}/{total}] {type} {file}: sender til {queue}\n', en: '[{n}/{total}] {type} {file}: sending to {queue}\n' },
  'cli.submit.progress.sent': { nb: '[{n}/{total}] {type} {file}: tatt imot av tjenestebussen\n', en: '[{n}/{total}] {type} {file}: accepted by the service bus\n' },
  'cli.submit.progress.failed': { nb: '[{n}/{total}] {type} {file}: FEILET: {error}\n', en: '[{n}/{total}] {type} {file}: FAILED: {error}\n' },
  'cli.submit.mayHaveArrived': {
    nb: '  Meldingen kan ha kommet fram likevel. Ikke send den på nytt før kvitteringen er sjekket («kpr listen», «kpr status»).\n',
    en: '  The message may have arrived all the same. Do not send it again before the Apprec has been checked ("kpr listen", "kpr status").\n',
  },
  'cli.submit.cancelNow': {
    nb: 'Avbryter før neste sending. (En melding som allerede er levert til tjenestebussen, kan ikke kalles tilbake.)\n',
    en: 'Cancelling before the next sending. (A message already handed to the service bus cannot be called back.)\n',
  },
  'cli.submit.result.sent': { nb: 'Sendt til {env}: {type} {file}, MsgId {msgId}\n', en: 'Sent to {env}: {type} {file}, MsgId {msgId}\n' },
  'cli.submit.result.other': { nb: 'Ikke sendt ({state}): {type} {file}{msgId}: {error}\n', en: 'Not sent ({state}): {type} {file}{msgId}: {error}\n' },
  'cli.submit.result.unconfirmed': {
    nb: 'Ubekreftet: {type} {file}, MsgId {msgId}: {error}\n',
    en: 'Unconfirmed: {type} {file}, MsgId {msgId}: {error}\n',
  },
  'cli.submit.next': {
    nb: 'KPR svarer med en applikasjonskvittering for hver sending; det kan ta tid. Ta imot med «kpr listen», se status med «kpr status». Ikke send på nytt før kvitteringen er sjekket.\n',
    en: 'KPR answers every sending with an Apprec; that can take time. Receive it with "kpr listen", see the state with "kpr status". Do not send again before the Apprec has been checked.\n',
  },
  'cli.submit.waiting': { nb: 'Venter inntil {seconds} s på kvitteringene …\n', en: 'Waiting up to {seconds} s for the Apprecs …\n' },
  'cli.submit.final': { nb: '{type} {file}, MsgId {msgId}: {state}\n', en: '{type} {file}, MsgId {msgId}: {state}\n' },
});

const MAX_LISTED = 20;

export async function runSubmit(argv: string[], io: CliIO): Promise<number> {
  const { options, positionals } = parseArgs(argv, {
    ...CONFIG_OPTIONS,
    force: {},
    yes: { short: 'y' },
    wait: { value: true },
    year: { value: true },
    severity: { value: true, repeat: true },
    'test-users': { value: true },
    verbose: { short: 'v' },
  });
  if (options.help) {
    io.out(SUBMIT_USAGE + '\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('kpr submit needs at least one file');
  if (positionals.length > 2) throw new UsageError('kpr submit sends one fagmelding and/or one identmelding at a time');
  const lang = resolveCliLang(options.lang as string | undefined, io.env);
  const waitS = options.wait === undefined ? undefined : Number(options.wait);
  if (waitS !== undefined && (!Number.isFinite(waitS) || waitS <= 0)) throw new UsageError(`--wait must be a number of seconds, not '${String(options.wait)}'`);
  const force = Boolean(options.force);

  let config: KprConfig = loadCliConfig(options, io);
  const env = config.environment;
  const settings = await settingsFromArgs(options, lang);

  // 1. The same checks as `kpr check`, the pair included.
  const prepared = await prepareAll(positionals, settings);
  io.out(checkReport(prepared, lang));
  const errors = prepared.reduce((n, p) => n + p.errors, 0);
  if (errors > 0 && !force) {
    io.err(t(lang, 'cli.submit.refused', { count: errors }));
    return 1;
  }
  if (errors > 0) io.err(t(lang, 'cli.submit.forcedErrors', { count: errors }));

  // 2. Production is confirmed by a person at a terminal, unless --yes says it was.
  if (env === 'prod' && !options.yes) {
    const ok = await confirm(io, confirmQuestion(config, env, prepared, lang));
    if (ok === undefined) {
      io.err(t(lang, 'cli.submit.noTerminal'));
      return 1;
    }
    if (!ok) {
      io.err(t(lang, 'cli.submit.notConfirmed'));
      return 1;
    }
  }

  // 3. Secrets, from the environment or asked for; all of them before anything is sent.
  const secrets: SecretName[] = ['amqpPassword', 'signP12Passphrase', ...(waitS !== undefined ? (['decryptP12Passphrase'] as const) : [])];
  config = await ensureSecrets(config, secrets, io, lang);

  const log = options.verbose ? (line: string) => io.err(line + '\n') : undefined;
  const submitter = new Submitter(config, log ? { log } : {});
  let listener: ApprecListener | undefined;
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: stop at once. The journal already holds every sending that was started.
      process.exit(130);
    }
    io.err(t(lang, 'cli.submit.cancelNow'));
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    // With --wait the decryption key is loaded before sending, so a wrong passphrase stops the run early.
    if (waitS !== undefined) loadDecryptionBundle(config);
    const result = await submitter.submit([], {
      env,
      force,
      allowCheckErrors: force,
      prepared,
      signal: controller.signal,
      onProgress: (e) => io.err(progressLine(e, config, lang)),
    });
    for (const s of result.sendings) {
      const file = maskPersonIds(path.basename(s.file));
      if (s.state === 'sent') io.out(t(lang, 'cli.submit.result.sent', { env, type: s.type, file, msgId: s.msgId ?? '' }));
      else if (s.state === 'unconfirmed') io.out(t(lang, 'cli.submit.result.unconfirmed', { type: s.type, file, msgId: s.msgId ?? '', error: errorText(s.error, lang) }));
      else io.out(t(lang, 'cli.submit.result.other', { state: s.state, type: s.type, file, msgId: s.msgId ? `, MsgId ${s.msgId}` : '', error: errorText(s.error, lang) }));
    }
    const sent = result.sendings.filter((s) => s.state === 'sent' || s.state === 'unconfirmed').map((s) => s.msgId!);
    if (sent.length === 0) return 1;
    if (waitS === undefined) {
      io.err(t(lang, 'cli.submit.next'));
      return result.ok ? 0 : 1;
    }

    // 4. --wait: receive on the same connection until every sending has its answer.
    const bus = await submitter.connection(env);
    listener = new ApprecListener(config, { journal: submitter.journal, env, bus, ...(log ? { log } : {}) });
    listener.on((e) => io.out(formatEvent(e, lang)));
    io.err(listener.trust.note.localized(lang) + '\n');
    await listener.start();
    io.err(t(lang, 'cli.submit.waiting', { seconds: waitS }));
    let entries: JournalEntry[];
    try {
      entries = await waitForApprec(submitter.journal, sent, { timeoutMs: waitS * 1000, listener, signal: controller.signal });
    } catch (e) {
      if (e instanceof ApprecTimeoutError) {
        io.err(e.localized(lang) + '\n');
        return 3;
      }
      if (e instanceof KprError && e.key === 'submit.wait.cancelled') {
        io.err(e.localized(lang) + '\n' + t(lang, 'cli.submit.next'));
        return 3;
      }
      throw e;
    }
    for (const e of entries) {
      io.out(t(lang, 'cli.submit.final', { type: e.type, file: maskPersonIds(path.basename(e.file)), msgId: e.msgId, state: e.state }));
    }
    return result.ok && entries.every((e) => e.state === 'accepted') ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await listener?.stop();
    await submitter.close();
  }
}

function errorText(e: KprError | undefined, lang: Lang): string {
  return e ? maskPersonIds(e.localized(lang)) : '';
}

function progressLine(e: SubmitProgress, config: KprConfig, lang: Lang): string {
  const args = {
    n: e.index + 1,
    total: e.total,
    type: e.type ?? '',
    file: maskPersonIds(path.basename(e.file)),
    msgId: e.msgId ?? '',
    queue: config.environments[e.env].receiverQueue,
    error: errorText(e.error, lang),
  };
  let line = t(lang, `cli.submit.progress.${e.phase}`, args);
  if (e.phase === 'checking') return '';
  if (e.phase === 'failed' && e.mayHaveArrived) line += t(lang, 'cli.submit.mayHaveArrived');
  return line;
}

function countsText(p: PreparedFile, lang: Lang): string {
  if (p.type === 'KPR_IPL') return t(lang, 'cli.submit.counts.fag', { persons: p.counts.persons ?? 0, services: p.counts.services ?? 0 });
  return t(lang, 'cli.submit.counts.ide', { idents: p.counts.idents ?? 0 });
}

function periodText(p: PreparedFile, lang: Lang): string {
  return p.period ? t(lang, 'cli.submit.period', { from: p.period.from ?? '?', to: p.period.to ?? '?' }) : '';
}

/** Per file: what it is and what the check found, with the errors and warnings listed (masked). */
export function checkReport(prepared: PreparedFile[], lang: Lang): string {
  let out = '';
  for (const p of prepared) {
    const file = maskPersonIds(p.file);
    out += t(lang, 'cli.submit.fileLine', {
      file,
      type: p.type,
      kind: t(lang, `cli.submit.kind.${p.type}`),
      counts: countsText(p, lang),
      period: periodText(p, lang),
      errors: p.errors,
      warnings: p.warnings,
    });
    const listed = p.findings.filter((f) => f.severity === Severity.Error || f.severity === Severity.Warning);
    for (const f of listed.slice(0, MAX_LISTED)) out += findingLine(p, f, lang);
    if (listed.length > MAX_LISTED) out += t(lang, 'cli.submit.more', { count: listed.length - MAX_LISTED, file });
  }
  return out;
}

function findingLine(p: PreparedFile, f: Finding, lang: Lang): string {
  const pos = p.lines.positionAt(f.start);
  return `  ${pos.line + 1}:${pos.character + 1}: ${severityName(f.severity)} ${f.code}: ${message(f, lang)}\n`;
}

function confirmQuestion(config: KprConfig, env: KprEnvironment, prepared: PreparedFile[], lang: Lang): string {
  const lines = prepared
    .map((p) =>
      t(lang, 'cli.submit.confirmLine', {
        type: p.type,
        file: maskPersonIds(path.basename(p.file)),
        counts: countsText(p, lang),
        period: periodText(p, lang),
      }),
    )
    .join('');
  const m = config.municipality;
  return t(lang, 'cli.submit.confirm', {
    receiver: config.environments[env].receiverHerId,
    municipality: `${m.name}${m.orgNumber ? ` (org.nr. ${m.orgNumber})` : ''}, HER-id ${m.herId}/${m.serviceHerId}`,
    lines,
  });
}
