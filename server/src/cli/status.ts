/**
 * `kpr status [--env ENV] [--format text|json]`: the sending journal as a table — when, where, what, which
 * MsgId, how far it got and what KPR answered. Reads the journal only (plus the journal's own reconcile
 * step, which marks sendings interrupted by a crash as 'sending-unconfirmed').
 */
import { existsSync } from 'node:fs';
import { Lang, registerMessages, t } from '../i18n';
import { maskPersonIds } from '../privacy';
import { isConfigError } from '../submit/config';
import { isKprEnvironment, KprEnvironment } from '../submit/environments';
import { Journal, JournalEntry } from '../submit/journal';
import { formatTime } from '../submit/waitForApprec';
import { parseArgs, UsageError } from './args';
import { resolveCliLang } from './check';
import { envFlag, loadCliConfig } from './config';
import { CliIO } from './io';

export const STATUS_USAGE = `Usage: kpr status [--env ENV] [--format text|json] [--journal FILE] [--config FILE] [--lang nb|en]
Shows the sending journal: time, environment, type, file, MsgId, state and the Apprec's summary.
The journal is config's journalPath ($KPR_JOURNAL), or --journal FILE.`;

registerMessages({
  'cli.status.header': {
    nb: 'TID|MILJØ|TYPE|FIL|MSGID|TILSTAND|KVITTERING',
    en: 'TIME|ENV|TYPE|FILE|MSGID|STATE|APPREC',
  },
  'cli.status.empty': {
    nb: 'Ingen sendinger i {journal}.\n',
    en: 'No sendings in {journal}.\n',
  },
  'cli.status.forced': { nb: ' (tvunget)', en: ' (forced)' },
  'cli.status.transport': { nb: 'transportfeil {condition}', en: 'transport error {condition}' },
  'cli.status.failure': { nb: 'ikke sendt: {reason}', en: 'not sent: {reason}' },
  'cli.status.problems': {
    nb: 'Obs: {count} skadet(e) linje(r) i journalen ble hoppet over (første på linje {line}).\n',
    en: 'Note: {count} damaged line(s) in the journal were skipped (first at line {line}).\n',
  },
});

export async function runStatus(argv: string[], io: CliIO): Promise<number> {
  const { options, positionals } = parseArgs(argv, {
    config: { value: true },
    env: { value: true },
    lang: { value: true },
    format: { value: true, short: 'f' },
    journal: { value: true },
    help: { short: 'h' },
  });
  if (options.help) {
    io.out(STATUS_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`kpr status takes no files (got '${positionals[0]}')`);
  const format = (options.format as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${format}'`);
  const lang = resolveCliLang(options.lang as string | undefined, io.env);
  const env = envFlag(options.env);

  const journalPath = resolveJournalPath(options, io);
  if (!existsSync(journalPath)) {
    // Looking must not create a journal.
    io.out(format === 'json' ? JSON.stringify({ journal: journalPath, sendings: [] }, null, 2) + '\n' : t(lang, 'cli.status.empty', { journal: journalPath }));
    return 0;
  }
  const journal = Journal.open(journalPath);
  try {
    journal.reconcile();
    const entries = journal.entries().filter((e) => env === undefined || e.env === env);
    if (format === 'json') {
      io.out(JSON.stringify({ journal: journalPath, sendings: entries.map(toJson) }, null, 2) + '\n');
    } else if (entries.length === 0) {
      io.out(t(lang, 'cli.status.empty', { journal: journalPath }));
    } else {
      io.out(table(entries, lang));
    }
    const damaged = journal.problems.filter((p) => p.kind === 'damaged' || p.kind === 'torn');
    if (damaged.length > 0) io.err(t(lang, 'cli.status.problems', { count: damaged.length, line: damaged[0].line }));
    return 0;
  } finally {
    journal.close();
  }
}

/** --journal, else the configuration's journalPath; without a config file, $KPR_JOURNAL alone will do. */
function resolveJournalPath(options: Record<string, unknown>, io: CliIO): string {
  if (typeof options.journal === 'string') return options.journal;
  try {
    return loadCliConfig({ config: options.config, env: isKprEnvironment(options.env) ? (options.env as KprEnvironment) : undefined }, io, false).journalPath;
  } catch (e) {
    const fromVar = io.env.KPR_JOURNAL?.trim();
    if (fromVar && isConfigError(e) && (e.key === 'submit.config.noConfigFile' || e.key === 'submit.config.fileNotFound') && options.config === undefined) return fromVar;
    throw e;
  }
}

/** The last word on a sending: its latest Apprec, else its latest transport error, else why it failed. */
export function answerSummary(e: JournalEntry, lang: Lang): string {
  const last = e.apprecs.at(-1)?.apprec;
  if (last) {
    const codes = new Map<string, number>();
    for (const x of last.errors ?? []) codes.set(x.code, (codes.get(x.code) ?? 0) + 1);
    const errors = [...codes].map(([c, n]) => (n > 1 ? `${c}×${n}` : c)).join(', ');
    return maskPersonIds(`${last.status} ${last.statusText ?? ''}${errors ? `: ${errors}` : ''}`.replace(/\s+:/, ':').trim());
  }
  const te = e.transportErrors.at(-1)?.error;
  if (te) return maskPersonIds(t(lang, 'cli.status.transport', { condition: te.errorCondition }));
  if (e.state === 'failed' && e.failure) return maskPersonIds(t(lang, 'cli.status.failure', { reason: shorten(e.failure.reason, 60) }));
  return '';
}

function shorten(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

function table(entries: JournalEntry[], lang: Lang): string {
  const header = t(lang, 'cli.status.header').split('|');
  const rows = entries.map((e) => [
    formatTime(e.sentAt ?? e.createdAt),
    e.env,
    e.type,
    maskPersonIds(baseName(e.file)),
    e.msgId,
    e.state + (e.forced ? t(lang, 'cli.status.forced') : ''),
    answerSummary(e, lang),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function toJson(e: JournalEntry) {
  return {
    msgId: e.msgId,
    env: e.env,
    type: e.type,
    file: maskPersonIds(e.file),
    sha256: e.sha256,
    size: e.size,
    toHerId: e.toHerId,
    forced: e.forced,
    state: e.state,
    createdAt: e.createdAt,
    sentAt: e.sentAt,
    updatedAt: e.updatedAt,
    failure: e.failure ? { at: e.failure.at, reason: maskPersonIds(e.failure.reason) } : undefined,
    apprecs: e.apprecs.map((a) => ({
      at: a.at,
      status: a.apprec.status,
      statusText: a.apprec.statusText,
      apprecId: a.apprec.apprecId,
      originalMsgType: a.apprec.originalMsgType,
      errors: (a.apprec.errors ?? []).map((x) => ({ code: x.code, text: x.text && maskPersonIds(x.text), description: x.description && maskPersonIds(x.description) })),
    })),
    transportErrors: e.transportErrors.map((x) => ({
      at: x.at,
      errorCondition: x.error.errorCondition,
      errorDescription: maskPersonIds(x.error.errorDescription),
    })),
  };
}
