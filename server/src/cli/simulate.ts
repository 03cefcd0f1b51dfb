/**
 * `kpr simulate`: plays KPR on this machine so the whole flow (check, pack, sign, encrypt, send, Apprec) can
 * be rehearsed without NHN access. Runs until Ctrl-C / SIGTERM. Engine: server/src/simulate/.
 */
import { registerMessages, t, Lang } from '../i18n';
import { maskForLog } from '../privacy';
import { LocalKpr, startLocalKpr } from '../simulate/local';
import { SimulatorEvent, SimulatorMode } from '../simulate/simulator';
import { parseArgs, UsageError } from './args';
import { resolveCliLang } from './check';
import { CliIO } from './io';

export const SIMULATE_USAGE = `Usage: kpr simulate [--amqp URL] [--port N] [--dir DIR] [--delay SECONDS] [--reject] [--drop]
                   [--lang nb|en] [--verbose]
Plays KPR on this machine for a rehearsal without NHN access: makes a throwaway test PKI in DIR
(default .kpr/simulator), consumes KPR's queue, checks each message like KPR and answers with a signed,
encrypted Apprec. Writes DIR/kpr.config.json (environment local) for kpr submit/listen/status.
  --amqp URL      use this RabbitMQ (amqp://USER@HOST:PORT/EXCHANGE; password in
                  KPR_SIMULATOR_AMQP_PASSWORD or KPR_AMQP_PASSWORD) instead of the built-in endpoint
  --port N        port of the built-in endpoint (default 5672; 0 = any free port)
  --delay S       wait S seconds before each Apprec     --reject  answer every message with status 2
  --drop          never send an Apprec (to try a timeout)
Runs until Ctrl-C. See docs/simulator.md.`;

registerMessages({
  'cli.simulate.title': { nb: 'KPR-simulator ({mark}) kjører.\n', en: 'KPR simulator ({mark}) is running.\n' },
  'cli.simulate.dir': { nb: '  Mappe:           {dir} ({how})\n', en: '  Folder:          {dir} ({how})\n' },
  'cli.simulate.created': { nb: 'testsertifikater laget nå', en: 'test certificates made now' },
  'cli.simulate.recreated': { nb: 'testsertifikater laget på nytt: {why}', en: 'test certificates made again: {why}' },
  'cli.simulate.reused': { nb: 'eksisterende testsertifikater', en: 'existing test certificates' },
  'cli.simulate.embedded': {
    nb: '  Megler:          innebygd AMQP-endepunkt {url} (bare denne maskinen)\n',
    en: '  Broker:          built-in AMQP endpoint {url} (this machine only)\n',
  },
  'cli.simulate.rabbit': { nb: '  Megler:          {url}\n', en: '  Broker:          {url}\n' },
  'cli.simulate.kpr': { nb: '  KPR:             HER-id {herId}, kø {queue}\n', en: '  KPR:             HER-id {herId}, queue {queue}\n' },
  'cli.simulate.municipality': {
    nb: '  Kommune:         {name}, HER-id {herId}, tjeneste {serviceHerId} (køer {async}, {error})\n',
    en: '  Municipality:    {name}, HER-id {herId}, service {serviceHerId} (queues {async}, {error})\n',
  },
  'cli.simulate.config': { nb: '  Konfigurasjon:   {file} (miljø local)\n', en: '  Configuration:   {file} (environment local)\n' },
  'cli.simulate.secrets': {
    nb: '  Hemmeligheter:   {file} (bare lesbar for deg, 0600) med {vars}\n',
    en: '  Secrets:         {file} (readable by you only, 0600) with {vars}\n',
  },
  'cli.simulate.amqpPassword': {
    nb: '                   Sett KPR_AMQP_PASSWORD til meglerens passord for {user} etter at filen er lest inn.\n',
    en: '                   Set KPR_AMQP_PASSWORD to the broker password of {user} after loading the file.\n',
  },
  'cli.simulate.definitions': {
    nb: '  Køoppsett:       {file} (rabbitmqctl import_definitions {file})\n',
    en: '  Queue set-up:    {file} (rabbitmqctl import_definitions {file})\n',
  },
  'cli.simulate.mode': { nb: '  Modus:           {mode}\n', en: '  Mode:            {mode}\n' },
  'cli.simulate.mode.answer': { nb: 'svarer som KPR', en: 'answers like KPR' },
  'cli.simulate.mode.reject': { nb: 'avviser alt (--reject, status 2)', en: 'rejects everything (--reject, status 2)' },
  'cli.simulate.mode.drop': { nb: 'svarer aldri (--drop)', en: 'never answers (--drop)' },
  'cli.simulate.mode.delay': { nb: ', kvittering etter {seconds} s', en: ', Apprec after {seconds} s' },
  'cli.simulate.try': {
    nb: '\nØv i en annen terminal (bare testdata, aldri ekte fødselsnumre):\n  set -a; . {secrets}; set +a\n  kpr submit --config {config} --env local FAGMELDING.xml IDENTMELDING.xml\n  kpr listen --config {config} --env local\n  kpr status --config {config}\nCtrl-C stopper simulatoren.\n\n',
    en: '\nRehearse in another terminal (test data only, never real fødselsnumre):\n  set -a; . {secrets}; set +a\n  kpr submit --config {config} --env local FAGMELDING.xml IDENTMELDING.xml\n  kpr listen --config {config} --env local\n  kpr status --config {config}\nCtrl-C stops the simulator.\n\n',
  },
  'cli.simulate.stopping': { nb: 'Stopper simulatoren …\n', en: 'Stopping the simulator …\n' },
  'cli.simulate.pending': {
    nb: '{count} kvittering(er) er ikke sendt ennå; de sendes når simulatoren startes igjen.\n',
    en: '{count} Apprec(s) not sent yet; they go out when the simulator starts again.\n',
  },
  'cli.simulate.ev.apprec': {
    nb: '{time} {type} MsgId {msgId}: kvittering status {status} {codes}→ {queue}{due}\n',
    en: '{time} {type} MsgId {msgId}: Apprec status {status} {codes}→ {queue}{due}\n',
  },
  'cli.simulate.ev.due': { nb: ' (sendes {time})', en: ' (goes out {time})' },
  'cli.simulate.ev.transport': {
    nb: '{time} {type} melding {messageId}: transportfeil {condition} → {queue}: {detail}\n',
    en: '{time} {type} message {messageId}: transport error {condition} → {queue}: {detail}\n',
  },
  'cli.simulate.ev.duplicate': {
    nb: '{time} {type} melding {messageId}: allerede besvart, ikke besvart igjen\n',
    en: '{time} {type} message {messageId}: already answered, not answered again\n',
  },
  'cli.simulate.ev.dropped': {
    nb: '{time} {type} MsgId {msgId}: ville fått status {status} {codes}; ikke sendt (--drop)\n',
    en: '{time} {type} MsgId {msgId}: would get status {status} {codes}; not sent (--drop)\n',
  },
  'cli.simulate.ev.unanswerable': {
    nb: '{time} {type} melding {messageId}: kan ikke besvares: {detail}\n',
    en: '{time} {type} message {messageId}: cannot be answered: {detail}\n',
  },
  'cli.simulate.ev.sent': { nb: '{time} sendt til {queue} (MsgId {msgId})\n', en: '{time} sent to {queue} (MsgId {msgId})\n' },
  'cli.simulate.ev.sendFailed': {
    nb: '{time} kunne ikke sende til {queue} (MsgId {msgId}), gir opp: {detail}\n',
    en: '{time} could not send to {queue} (MsgId {msgId}), giving up: {detail}\n',
  },
  'cli.simulate.bus': { nb: 'Megler: {state}{reason}\n', en: 'Broker: {state}{reason}\n' },
});

export interface SimulateRunOptions {
  /** Stops the simulator like Ctrl-C does (for callers that run it in-process). */
  signal?: AbortSignal;
  /** Called once the simulator runs, with everything it set up. */
  onReady?: (local: LocalKpr) => void;
}

export async function runSimulate(argv: string[], io: CliIO, run: SimulateRunOptions = {}): Promise<number> {
  const { options, positionals } = parseArgs(argv, {
    amqp: { value: true },
    port: { value: true },
    dir: { value: true },
    delay: { value: true },
    reject: {},
    drop: {},
    lang: { value: true },
    verbose: { short: 'v' },
    help: { short: 'h' },
  });
  if (options.help) {
    io.out(SIMULATE_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`kpr simulate takes no files (got '${positionals[0]}')`);
  const lang = resolveCliLang(options.lang as string | undefined, io.env);
  if (options.reject && options.drop) throw new UsageError('--reject and --drop cannot be combined');
  const mode: SimulatorMode = options.reject ? 'reject' : options.drop ? 'drop' : 'answer';
  const delayS = options.delay === undefined ? 0 : Number(options.delay);
  if (!Number.isFinite(delayS) || delayS < 0) throw new UsageError(`--delay must be a number of seconds, not '${String(options.delay)}'`);
  let port: number | undefined;
  if (options.port !== undefined) {
    port = Number(options.port);
    if (!/^\d+$/.test(String(options.port)) || port > 65535) throw new UsageError(`--port must be a port number (0–65535), not '${String(options.port)}'`);
    if (options.amqp) throw new UsageError('--port is for the built-in endpoint; with --amqp the port is in the URL');
  }

  const log = options.verbose ? (line: string) => io.err(line + '\n') : undefined;
  const local = await startLocalKpr({
    ...(typeof options.dir === 'string' ? { dir: options.dir } : {}),
    ...(typeof options.amqp === 'string' ? { amqpUrl: options.amqp } : {}),
    ...(port !== undefined ? { port } : {}),
    delayMs: Math.round(delayS * 1000),
    mode,
    lang,
    env: io.env,
    ...(log ? { log } : {}),
  });
  try {
    printSettings(io, lang, local, mode, delayS);
    local.simulator.onEvent((e) => io.out(formatEvent(e, lang)));
    local.bus.onState((s) => io.err(t(lang, 'cli.simulate.bus', { state: s.state, reason: s.reason ? `: ${maskForLog(s.reason)}` : '' })));
    run.onReady?.(local);

    await new Promise<void>((resolve) => {
      const done = () => {
        process.removeListener('SIGINT', done);
        process.removeListener('SIGTERM', done);
        run.signal?.removeEventListener('abort', done);
        resolve();
      };
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
      if (run.signal?.aborted) done();
      else run.signal?.addEventListener('abort', done);
    });
    io.err(t(lang, 'cli.simulate.stopping'));
    const pending = local.simulator.pendingAnswers;
    if (pending > 0) io.err(t(lang, 'cli.simulate.pending', { count: pending }));
    return 0;
  } finally {
    await local.stop();
  }
}

function printSettings(io: CliIO, lang: Lang, local: LocalKpr, mode: SimulatorMode, delayS: number): void {
  const m = local.pki.municipality;
  const how = local.pki.created
    ? local.pki.replacedBecause.length > 0
      ? t(lang, 'cli.simulate.recreated', { why: local.pki.replacedBecause.join('; ') })
      : t(lang, 'cli.simulate.created')
    : t(lang, 'cli.simulate.reused');
  const out: string[] = [
    t(lang, 'cli.simulate.title', { mark: 'TEST – KPR simulator' }),
    t(lang, 'cli.simulate.dir', { dir: local.dir, how }),
    local.broker ? t(lang, 'cli.simulate.embedded', { url: local.busUrl }) : t(lang, 'cli.simulate.rabbit', { url: maskForLog(local.busUrl) }),
    t(lang, 'cli.simulate.kpr', { herId: local.kprHerId, queue: local.kprQueue }),
    t(lang, 'cli.simulate.municipality', { name: m.name, herId: m.herId, serviceHerId: m.serviceHerId, ...local.municipalityQueues }),
    t(lang, 'cli.simulate.config', { file: local.configPath }),
    t(lang, 'cli.simulate.secrets', { file: local.secretsFile, vars: local.secretVars.join(', ') }),
  ];
  if (!local.broker) out.push(t(lang, 'cli.simulate.amqpPassword', { user: local.amqpUser }));
  if (local.definitionsFile) out.push(t(lang, 'cli.simulate.definitions', { file: local.definitionsFile }));
  const modeText = t(lang, `cli.simulate.mode.${mode}`) + (delayS > 0 && mode !== 'drop' ? t(lang, 'cli.simulate.mode.delay', { seconds: delayS }) : '');
  out.push(t(lang, 'cli.simulate.mode', { mode: modeText }));
  out.push(t(lang, 'cli.simulate.try', { secrets: shellQuote(local.secretsFile), config: shellQuote(local.configPath) }));
  io.out(out.join(''));
}

/** One line per event; ids and codes only, never message content (and masked all the same). */
export function formatEvent(e: SimulatorEvent, lang: Lang): string {
  const time = e.at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const common = {
    time,
    type: e.type ?? '?',
    msgId: e.msgId ?? e.messageId ?? '?',
    messageId: e.messageId ?? '?',
    queue: e.queue ?? '?',
    status: e.status ?? '?',
    codes: e.errorCodes && e.errorCodes.length > 0 ? `(${summarizeCodes(e.errorCodes)}) ` : '',
    condition: e.errorCondition ?? '?',
    detail: e.detail ?? '',
    due: e.dueAt ? t(lang, 'cli.simulate.ev.due', { time: e.dueAt.toISOString().replace(/\.\d{3}Z$/, 'Z') }) : '',
  };
  const key: Record<SimulatorEvent['outcome'], string> = {
    apprec: 'cli.simulate.ev.apprec',
    'transport-error': 'cli.simulate.ev.transport',
    duplicate: 'cli.simulate.ev.duplicate',
    dropped: 'cli.simulate.ev.dropped',
    unanswerable: 'cli.simulate.ev.unanswerable',
    sent: 'cli.simulate.ev.sent',
    'send-failed': 'cli.simulate.ev.sendFailed',
  };
  return maskForLog(t(lang, key[e.outcome], common));
}

/** "X99×12, T02" rather than twelve X99s. */
function summarizeCodes(codes: string[]): string {
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => (n > 1 ? `${c}×${n}` : c)).join(', ');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
