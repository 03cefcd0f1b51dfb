/**
 * Submission in the language server: the LSP face of the submission engine (server/src/submit). The VS
 * Code client asks; this module resolves the municipality's configuration (VS Code settings `kpr.*` or a
 * kpr.config.json), runs the pre-flight checks, sends (pack, sign, encrypt, journal, bus), listens for
 * Apprecs and tells the client what happened (`kpr/submitProgress`, `kpr/listenerState`,
 * `kpr/apprecReceived`, `kpr/sendingsChanged`). It also hosts the built-in local receiver (the `kpr
 * simulate` engine) for rehearsals, and serves the submission report.
 *
 * Secrets arrive with the request that needs them (from the client's SecretStorage) and stay in memory
 * only as long as a listener needs them to reconnect: never on disk, never in a log line, never in an answer.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CancellationToken, Connection, Diagnostic, ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { checkFile } from '../analysis/checkFile';
import { checkPair } from '../analysis/pairing';
import { sniffKind } from '../analysis/recognize';
import { KprSettings } from '../analysis/types';
import { KprError } from '../errors';
import { Lang, registerMessages, t } from '../i18n';
import { maskForLog, maskPersonIds } from '../privacy';
import { buildReport, ReportFileInput, ReportModel } from '../report/report';
import { DEFAULT_SIMULATOR_DIR, ensureAmqpPassword } from '../simulate/pki';
import { LocalKpr, startLocalKpr } from '../simulate/local';
import { APPREC_ERROR_CODES, parseApprec, parseDetails } from '../submit/apprec';
import { CONFIG_FILE_NAME, checkReferencedFiles, KprConfig, loadConfig, missingForSending, resolveConfig } from '../submit/config';
import { allowsPurpose, describeCertificate, loadCertificate, loadPkcs12, LoadedCertificate } from '../submit/crypto/certificates';
import { isKprEnvironment, KprEnvironment } from '../submit/environments';
import { Journal, JournalEntry } from '../submit/journal';
import { ApprecListener, ListenerEvent } from '../submit/receiver';
import { ContextualError, prepareAll, prepareFile, PreparedFile, SECRET_ENV_VARS, Submitter, SubmitProgress } from '../submit/submitter';
import { BusStateEvent } from '../submit/transport/bus';
import { decodeXml } from '../xml/encoding';
import { ConversionContext, countSeverities, toDiagnostic } from './diagnostics';
import { MaskedLog } from './log';
import {
  APPREC_RECEIVED_NOTIFICATION,
  ApprecInfo,
  ApprecReceivedParams,
  Candidate,
  CANDIDATES_REQUEST,
  CandidatesParams,
  CertificateSummary,
  CONFIG_REQUEST,
  ConfigInfo,
  ConfigParams,
  ConfigSource,
  JOURNAL_REQUEST,
  JournalParams,
  JournalResult,
  LISTEN_REQUEST,
  ListenerStateParams,
  LISTENER_STATE_NOTIFICATION,
  ListenParams,
  PREFLIGHT_REQUEST,
  PreflightFile,
  PreflightParams,
  PreflightResult,
  REPORT_REQUEST,
  ReportParams,
  SecretName,
  SecretRequirement,
  SendingInfo,
  SENDINGS_CHANGED_NOTIFICATION,
  SubmissionEnvironment,
  SubmissionSecrets,
  SUBMIT_PROGRESS_NOTIFICATION,
  SUBMIT_REQUEST,
  SubmitOutcome,
  SubmitParams,
  SubmitProgressParams,
  SubmitResult,
  VALIDATE_CERTIFICATE_REQUEST,
  ValidateCertificateParams,
  ValidateCertificateResult,
} from './protocol';
import { ResolvedSettings } from './settings';

registerMessages({
  'lsp.submission.noFolder': {
    nb: 'Åpne en mappe (et arbeidsområde) i VS Code først: KPR-innstillingene og sendingsjournalen hører til en mappe.',
    en: 'Open a folder (a workspace) in VS Code first: the KPR settings and the sending journal belong to a folder.',
  },
  'lsp.submission.notConfigured': {
    nb: 'KPR vet ennå ikke hvilken kommune som sender. Fyll inn kommunen i innstillingene (kpr.municipality.*), eller pek kpr.configFile på en kpr.config.json. Kjør «KPR: Sett opp sertifikater og passord» for å komme i gang, eller øv med den lokale mottakeren.',
    en: 'KPR does not know yet which municipality sends. Fill in the municipality in the settings (kpr.municipality.*), or point kpr.configFile at a kpr.config.json. Run "KPR: Configure Certificates and Passwords" to get started, or rehearse with the local receiver.',
  },
  'lsp.submission.settingsSource': { nb: 'VS Code-innstillingene (kpr.*)', en: 'VS Code settings (kpr.*)' },
  'lsp.submission.notFile': { nb: 'Bare filer på disk kan sendes ({uri}).', en: 'Only files on disk can be sent ({uri}).' },
  'lsp.submission.changed': {
    nb: '{file} er endret etter kontrollen. Ingenting er sendt; start sendingen på nytt, så kontrolleres den nye versjonen.',
    en: '{file} changed after the check. Nothing was sent; start the sending again so the new version is checked.',
  },
  'lsp.submission.busy': {
    nb: 'En sending til {env} pågår allerede. Vent til den er ferdig.',
    en: 'A sending to {env} is already in progress. Wait until it has finished.',
  },
  'lsp.submission.unknownEnv': { nb: 'Ukjent miljø «{env}».', en: 'Unknown environment "{env}".' },
  'lsp.submission.localReceiver': { nb: 'den lokale mottakeren i {dir}', en: 'the local receiver in {dir}' },
  'lsp.progress.starting': { nb: 'Starter den lokale mottakeren …', en: 'Starting the local receiver …' },
  'lsp.progress.checking': { nb: 'Kontrollerer {file} …', en: 'Checking {file} …' },
  'lsp.progress.packing': { nb: 'Pakker, signerer og krypterer {type} ({file}) …', en: 'Packing, signing and encrypting {type} ({file}) …' },
  'lsp.progress.recorded': { nb: '{type} er ført i sendingsjournalen (MsgId {msgId}).', en: '{type} is recorded in the sending journal (MsgId {msgId}).' },
  'lsp.progress.sending': { nb: 'Sender {type} til {env} – kan ikke lenger avbrytes …', en: 'Sending {type} to {env} – can no longer be cancelled …' },
  'lsp.progress.sent': { nb: '{type} er tatt imot av tjenestebussen (MsgId {msgId}).', en: '{type} was accepted by the service bus (MsgId {msgId}).' },
  'lsp.progress.failed': { nb: '{type} feilet: {reason}', en: '{type} failed: {reason}' },
  'lsp.apprec.received': { nb: 'Kvittering for {type} ({file}) til {env}: {status}.', en: 'Apprec for {type} ({file}) to {env}: {status}.' },
  'lsp.apprec.again': { nb: 'Samme kvittering for {type} ({file}) kom en gang til; ingenting er endret.', en: 'The same Apprec for {type} ({file}) came again; nothing changed.' },
  'lsp.apprec.transport': {
    nb: 'Transportfeil for {type} ({file}) til {env}: {condition}. {description}',
    en: 'Transport error for {type} ({file}) to {env}: {condition}. {description}',
  },
  'lsp.apprec.unmatched': {
    nb: 'En kvittering for en melding som ikke står i journalen ({msgId}) er lagret i {path}.',
    en: 'An Apprec for a message that is not in the journal ({msgId}) was saved in {path}.',
  },
  'lsp.apprec.quarantined': {
    nb: 'En melding på {queue} kunne ikke leses og er lagt til side i {path}: {reason}',
    en: 'A message on {queue} could not be read and was set aside in {path}: {reason}',
  },
  'lsp.apprec.status.1': { nb: 'OK – godtatt', en: 'OK – accepted' },
  'lsp.apprec.status.2': { nb: 'Avvist', en: 'Rejected (Avvist)' },
  'lsp.apprec.status.3': { nb: 'OK, men med feil i deler av meldingen', en: 'OK, but with errors in parts of the message' },
  'lsp.cert.unreadable': { nb: 'Kan ikke lese {path}: {reason}.', en: 'Cannot read {path}: {reason}.' },
  'lsp.cert.noPassphrase': {
    nb: 'Oppgi passordet til PKCS#12-filen for å kontrollere den.',
    en: 'Give the passphrase of the PKCS#12 file to check it.',
  },
  'lsp.cert.expired': { nb: 'Sertifikatet gikk ut {date}. Bestill et nytt virksomhetssertifikat.', en: 'The certificate expired on {date}. Order a new enterprise certificate.' },
  'lsp.cert.notYetValid': { nb: 'Sertifikatet er ikke gyldig før {date}.', en: 'The certificate is not valid until {date}.' },
  'lsp.cert.expiresSoon': { nb: 'Sertifikatet går ut om {days} dager ({date}).', en: 'The certificate expires in {days} days ({date}).' },
  'lsp.cert.notForSigning': {
    nb: 'Sertifikatet kan ikke brukes til å signere (nøkkelbruk: {usages}). Er dette krypteringssertifikatet? Signering krever nonRepudiation.',
    en: 'The certificate cannot sign (key usage: {usages}). Is this the encryption certificate? Signing needs nonRepudiation.',
  },
  'lsp.cert.notForEncryption': {
    nb: 'Sertifikatet kan ikke brukes til kryptering (nøkkelbruk: {usages}). Er dette signeringssertifikatet? Kryptering krever keyEncipherment.',
    en: 'The certificate cannot be used for encryption (key usage: {usages}). Is this the signing certificate? Encryption needs keyEncipherment.',
  },
  'lsp.cert.otherOrganisation': {
    nb: 'Sertifikatet tilhører organisasjonsnummer {cert}, men kommunens organisasjonsnummer i oppsettet er {config}.',
    en: 'The certificate belongs to organisation number {cert}, but the municipality\'s organisation number in the configuration is {config}.',
  },
  'lsp.journal.problem': {
    nb: 'Linje {line} i sendingsjournalen {path} kan ikke leses ({kind}); resten av journalen er lest.',
    en: 'Line {line} of the sending journal {path} cannot be read ({kind}); the rest of the journal was read.',
  },
});

/** What the submission module needs from the language server around it. */
export interface SubmissionHost {
  log: MaskedLog;
  /** The analysis settings of a resource (`kpr.*` resolved, test-user lists included). */
  settingsFor(uri: string): Promise<ResolvedSettings>;
  docsBase(settings: ResolvedSettings): string;
  relatedInformation(): boolean;
  workspaceFolders(): Promise<{ uri: string; name: string }[]>;
}

/** The `kpr` settings that describe the sending side; VS Code nests them by their dots. */
interface RawSubmissionSettings {
  configFile?: unknown;
  municipality?: Record<string, unknown>;
  amqp?: Record<string, unknown>;
  certificates?: {
    signingP12?: unknown;
    decryptionP12?: unknown;
    caFile?: unknown;
    kprEncryption?: Record<string, unknown>;
    kprSigning?: Record<string, unknown>;
  };
  environments?: Record<string, unknown>;
  journalPath?: unknown;
}

const SECRET_NAMES: readonly SecretName[] = ['amqpPassword', 'signP12Passphrase', 'decryptP12Passphrase'];
const ENVIRONMENTS: readonly KprEnvironment[] = ['test', 'qa', 'prod', 'local'];

function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Drops empty strings, nulls and empty objects, so the engine's checks see only what the user set. */
function prune(v: unknown): unknown {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const p = prune(x);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return v;
}

/**
 * The `kpr.*` settings as the JSON of a kpr.config.json (docs/configuration.md), or undefined when the
 * settings name no municipality. KPR's certificates are set per environment in two maps
 * (`kpr.certificates.kprEncryption.<env>`, `kpr.certificates.kprSigning.<env>`), which read better in the
 * Settings editor than the file's nested `certificates.kpr.<env>.*`.
 */
export function configJsonFromSettings(raw: unknown): Record<string, unknown> | undefined {
  const r = (raw && typeof raw === 'object' ? raw : {}) as RawSubmissionSettings;
  const municipality = prune(r.municipality) as Record<string, unknown> | undefined;
  if (!municipality || (municipality.herId === undefined && municipality.name === undefined)) return undefined;
  const c = r.certificates ?? {};
  const kpr: Record<string, unknown> = {};
  for (const env of ENVIRONMENTS) {
    const entry = prune({ encryptionCert: c.kprEncryption?.[env], signingCert: c.kprSigning?.[env] });
    if (entry) kpr[env] = entry;
  }
  const json = prune({
    municipality,
    amqp: r.amqp,
    certificates: { signingP12: c.signingP12, decryptionP12: c.decryptionP12, caFile: c.caFile, kpr },
    environments: r.environments,
    journalPath: r.journalPath,
  }) as Record<string, unknown>;
  return json;
}

/** The file name for messages, person numbers masked. */
function displayName(file: string): string {
  return maskPersonIds(nodePath.basename(file));
}

function toPath(uri: string): string {
  if (!uri.startsWith('file:')) throw new KprError('lsp.submission.notFile', { uri });
  return fileURLToPath(uri);
}

/** The built-in local receiver's journal (the simulator's configuration names it `kpr-journal` in its folder). */
function localJournalPath(baseDir: string): string {
  return nodePath.join(baseDir, DEFAULT_SIMULATOR_DIR, 'kpr-journal');
}

/** The id a PKCS#12 passphrase is kept under: its file, so the passphrase follows the file. */
function p12SecretId(absolutePath: string): string {
  return `p12:${absolutePath}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Where a sending's settings come from, resolved for one environment. */
interface Resolved {
  kind: ConfigSource;
  source: string;
  baseDir: string;
  lang: Lang;
  config?: KprConfig;
  error?: string;
  /** Set when the built-in local receiver serves this environment. */
  local?: boolean;
}

interface EnvSession {
  env: KprEnvironment;
  key: string;
  config: KprConfig;
  lang: Lang;
  submitter: Submitter;
  listener?: ApprecListener;
  listenerStarting?: Promise<void>;
  offListener?: () => void;
  busy: boolean;
  /** The last connection state the bus reported, for a listener that starts on a live connection. */
  busState: BusStateEvent['state'] | 'connecting';
}

/** Which secret a refusal is about, so the client can ask for it again instead of repeating a wrong one. */
export function secretBehind(e: unknown): SecretName | undefined {
  if (!(e instanceof KprError)) return undefined;
  if (e.key === 'bus.auth') return 'amqpPassword';
  if (e.key === 'submit.missingSecret') {
    const envVar = String(e.args.envVar ?? '');
    return SECRET_NAMES.find((n) => SECRET_ENV_VARS[n] === envVar);
  }
  if (e instanceof ContextualError && e.key === 'submit.p12') {
    const inner = e.innerKey;
    if (inner === 'crypto.p12.wrongPassphrase' || inner === 'crypto.key.unreadable') {
      return e.args.field === 'certificates.decryptionP12' ? 'decryptP12Passphrase' : 'signP12Passphrase';
    }
  }
  return undefined;
}

function refusalKey(e: unknown): string | undefined {
  if (e instanceof ContextualError) return e.innerKey ?? e.key;
  if (e instanceof KprError) return e.key;
  return undefined;
}

export class SubmissionService {
  private readonly journals = new Map<string, Journal>();
  private readonly sessions = new Map<KprEnvironment, EnvSession>();
  private local?: { baseDir: string; kpr?: LocalKpr; starting?: Promise<LocalKpr> };
  private disposed = false;

  constructor(
    private readonly connection: Connection,
    private readonly host: SubmissionHost,
  ) {}

  register(): void {
    const c = this.connection;
    c.onRequest(CONFIG_REQUEST, this.guard(CONFIG_REQUEST, (p: ConfigParams) => this.configInfo(p)));
    c.onRequest(CANDIDATES_REQUEST, this.guard(CANDIDATES_REQUEST, (p: CandidatesParams) => this.candidates(p)));
    c.onRequest(PREFLIGHT_REQUEST, this.guard(PREFLIGHT_REQUEST, (p: PreflightParams, token) => this.preflight(p, token)));
    c.onRequest(SUBMIT_REQUEST, this.guard(SUBMIT_REQUEST, (p: SubmitParams, token) => this.submit(p, token)));
    c.onRequest(JOURNAL_REQUEST, this.guard(JOURNAL_REQUEST, (p: JournalParams) => this.journal(p)));
    c.onRequest(LISTEN_REQUEST, this.guard(LISTEN_REQUEST, (p: ListenParams) => this.listen(p)));
    c.onRequest(VALIDATE_CERTIFICATE_REQUEST, this.guard(VALIDATE_CERTIFICATE_REQUEST, (p: ValidateCertificateParams) => this.validateCertificate(p)));
    c.onRequest(REPORT_REQUEST, this.guard(REPORT_REQUEST, (p: ReportParams, token) => this.report(p, token)));
    c.onShutdown(() => this.dispose());
  }

  /** Stops listeners and the local receiver, closes bus connections and journals. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of [...this.sessions.values()]) await this.closeSession(s);
    this.sessions.clear();
    const local = this.local;
    this.local = undefined;
    const kpr = local?.kpr ?? (await local?.starting?.catch(() => undefined));
    await kpr?.stop().catch(() => undefined);
    for (const j of this.journals.values()) j.close();
    this.journals.clear();
  }

  /** Answers a failure in plain words; a bug is logged (masked) and reported as internal. */
  private guard<P, R>(what: string, fn: (params: P, token: CancellationToken) => Promise<R>) {
    return async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
      try {
        return await fn(params, token);
      } catch (err) {
        if (err instanceof KprError) {
          const lang = await this.langFor(undefined).catch((): Lang => 'en');
          return new ResponseError(ErrorCodes.InvalidParams, err.localized(lang));
        }
        this.host.log.error(`${what} failed`, err);
        return new ResponseError(ErrorCodes.InternalError, t('en', 'lsp.internal', { what }));
      }
    };
  }

  // -------------------------------------------------------------------------------------------------
  // Scope, settings and configuration

  private async folderFor(scopeUri: string | undefined): Promise<string | undefined> {
    const folders = (await this.host.workspaceFolders()).filter((f) => f.uri.startsWith('file:'));
    if (scopeUri) {
      const match = folders
        .filter((f) => scopeUri === f.uri || scopeUri.startsWith(f.uri.endsWith('/') ? f.uri : f.uri + '/'))
        .sort((a, b) => b.uri.length - a.uri.length)[0];
      if (match) return fileURLToPath(match.uri);
    }
    if (folders.length > 0) return fileURLToPath(folders[0].uri);
    if (scopeUri?.startsWith('file:')) {
      const p = fileURLToPath(scopeUri);
      try {
        return fs.statSync(p).isDirectory() ? p : nodePath.dirname(p);
      } catch {
        return nodePath.dirname(p);
      }
    }
    return undefined;
  }

  private async langFor(scopeUri: string | undefined): Promise<Lang> {
    const folder = await this.folderFor(scopeUri);
    const uri = scopeUri ?? (folder ? pathToFileURL(folder).href : 'file:///');
    return (await this.host.settingsFor(uri)).kpr.language;
  }

  private async rawSettings(baseDir: string): Promise<RawSubmissionSettings> {
    try {
      const raw = await this.connection.workspace.getConfiguration({ scopeUri: pathToFileURL(baseDir).href, section: 'kpr' });
      return raw && typeof raw === 'object' ? (raw as RawSubmissionSettings) : {};
    } catch {
      return {};
    }
  }

  /**
   * The municipality's configuration for `env`: `kpr.configFile`, else the `kpr.municipality.*` settings,
   * else a kpr.config.json in the workspace folder. For `local`, the built-in local receiver serves unless
   * the configuration sets up its own local environment (KPR's local encryption certificate).
   */
  private async resolve(env: KprEnvironment, scopeUri: string | undefined, secrets: SubmissionSecrets = {}): Promise<Resolved> {
    const lang = await this.langFor(scopeUri);
    const baseDir = await this.folderFor(scopeUri);
    if (!baseDir) return { kind: 'none', source: '', baseDir: '', lang, error: t(lang, 'lsp.submission.noFolder') };
    const vars = { KPR_ENV: env };
    const clean = Object.fromEntries(Object.entries(secrets).filter(([k, v]) => SECRET_NAMES.includes(k as SecretName) && typeof v === 'string'));
    const raw = await this.rawSettings(baseDir);
    let resolved: Resolved | undefined;
    try {
      const configFile = nonEmptyString(raw.configFile);
      const fromSettings = configJsonFromSettings(raw);
      const defaultFile = nodePath.join(baseDir, CONFIG_FILE_NAME);
      if (configFile) {
        const file = nodePath.resolve(baseDir, configFile);
        resolved = { kind: 'file', source: file, baseDir, lang, config: loadConfig(file, { env: vars, secrets: clean, checkFiles: false }) };
      } else if (fromSettings) {
        const source = t(lang, 'lsp.submission.settingsSource');
        resolved = { kind: 'settings', source, baseDir, lang, config: resolveConfig(fromSettings, { baseDir, env: vars, source, secrets: clean }) };
      } else if (fs.existsSync(defaultFile)) {
        resolved = { kind: 'file', source: defaultFile, baseDir, lang, config: loadConfig(defaultFile, { env: vars, secrets: clean, checkFiles: false }) };
      }
    } catch (e) {
      if (env !== 'local') return { kind: 'none', source: '', baseDir, lang, error: describe(e, lang) };
    }
    if (env === 'local' && !resolved?.config?.certificates.kpr.local.encryptionCert) {
      return { kind: 'local-receiver', source: t(lang, 'lsp.submission.localReceiver', { dir: nodePath.join(baseDir, DEFAULT_SIMULATOR_DIR) }), baseDir, lang, local: true };
    }
    return resolved ?? { kind: 'none', source: '', baseDir, lang, error: t(lang, 'lsp.submission.notConfigured') };
  }

  /** The built-in local receiver's configuration, starting the receiver if it is not running. */
  private async localConfig(baseDir: string, lang: Lang, onStart?: () => void): Promise<KprConfig> {
    if (this.local && this.local.baseDir !== baseDir) {
      const old = this.local;
      this.local = undefined;
      await (old.kpr ?? (await old.starting?.catch(() => undefined)))?.stop().catch(() => undefined);
    }
    if (!this.local) this.local = { baseDir };
    const state = this.local;
    if (!state.kpr) {
      if (!state.starting) {
        onStart?.();
        const settings = (await this.host.settingsFor(pathToFileURL(baseDir).href)).kpr;
        state.starting = startLocalKpr({
          cwd: baseDir,
          port: 0,
          lang,
          settings: { ...settings, maxFindings: Number.POSITIVE_INFINITY },
          log: (line) => this.host.log.info(line),
        });
        state.starting.then(
          (k) => {
            state.kpr = k;
            state.starting = undefined;
          },
          () => {
            state.starting = undefined;
          },
        );
      }
      state.kpr = await state.starting;
    }
    const kpr = state.kpr;
    return loadConfig(kpr.configPath, {
      env: { KPR_ENV: 'local' },
      secrets: {
        signP12Passphrase: kpr.pki.secrets.signP12Passphrase,
        decryptP12Passphrase: kpr.pki.secrets.decryptP12Passphrase,
        amqpPassword: ensureAmqpPassword(kpr.pki),
      },
    });
  }

  private secretRequirements(config: KprConfig, lang: Lang): SecretRequirement[] {
    const env = config.environment;
    const reqs: SecretRequirement[] = [];
    let host = '';
    try {
      const u = new URL(config.environments[env].busUrl);
      host = `${u.hostname}:${u.port || (u.protocol === 'amqps:' ? '5671' : '5672')}`;
    } catch {
      host = config.environments[env].busUrl;
    }
    const user = config.amqp.user ?? '';
    reqs.push({ name: 'amqpPassword', id: `amqp:${user}@${host}`, label: t(lang, 'submit.secret.amqpPassword'), detail: `${user}@${host}` });
    if (config.certificates.signingP12) {
      reqs.push({ name: 'signP12Passphrase', id: p12SecretId(config.certificates.signingP12), label: t(lang, 'submit.secret.signP12Passphrase'), detail: config.certificates.signingP12 });
    }
    if (config.certificates.decryptionP12) {
      reqs.push({
        name: 'decryptP12Passphrase',
        id: p12SecretId(config.certificates.decryptionP12),
        label: t(lang, 'submit.secret.decryptP12Passphrase'),
        detail: config.certificates.decryptionP12,
      });
    }
    return reqs;
  }

  private async configInfo(p: ConfigParams): Promise<ConfigInfo> {
    const env = this.envOf(p?.env);
    const r = await this.resolve(env, p?.scopeUri);
    return this.describeConfig(env, r);
  }

  private describeConfig(env: KprEnvironment, r: Resolved): ConfigInfo {
    const info: ConfigInfo = { env, sourceKind: r.kind, source: r.source, missingSettings: [], secrets: [] };
    if (r.error) info.error = r.error;
    if (r.local) info.journalPath = localJournalPath(r.baseDir);
    const c = r.config;
    if (!c) return info;
    const target = c.environments[env];
    info.municipality = { ...c.municipality };
    info.target = { receiverHerId: target.receiverHerId, busUrl: target.busUrl, exchange: target.exchange, receiverQueue: target.receiverQueue, uncertain: [...target.uncertain] };
    if (c.amqp.user) info.amqpUser = c.amqp.user;
    const kprCerts = c.certificates.kpr[env];
    info.certificates = {
      ...(c.certificates.signingP12 ? { signingP12: c.certificates.signingP12 } : {}),
      ...(c.certificates.decryptionP12 ? { decryptionP12: c.certificates.decryptionP12 } : {}),
      ...(c.certificates.caFile ? { caFile: c.certificates.caFile } : {}),
      ...(kprCerts.encryptionCert ? { kprEncryptionCert: kprCerts.encryptionCert } : {}),
      ...(kprCerts.signingCert ? { kprSigningCert: kprCerts.signingCert } : {}),
    };
    info.journalPath = c.journalPath;
    info.missingSettings = missingForSending(c).settings;
    if (!r.local) info.secrets = this.secretRequirements(c, r.lang);
    try {
      checkReferencedFiles(c);
    } catch (e) {
      info.error = describe(e, r.lang);
    }
    return info;
  }

  private envOf(v: unknown): KprEnvironment {
    if (!isKprEnvironment(v)) throw new KprError('lsp.submission.unknownEnv', { env: String(v) });
    return v;
  }

  // -------------------------------------------------------------------------------------------------
  // Choosing and checking files

  private async candidates(p: CandidatesParams): Promise<Candidate[]> {
    const out: Candidate[] = [];
    for (const uri of (p?.uris ?? []).slice(0, 5000)) {
      if (typeof uri !== 'string' || !uri.startsWith('file:')) continue;
      let head: string;
      try {
        const fd = fs.openSync(fileURLToPath(uri), 'r');
        try {
          const buf = Buffer.alloc(65536);
          const n = fs.readSync(fd, buf, 0, buf.length, 0);
          head = decodeXml(buf.subarray(0, n)).text;
        } finally {
          fs.closeSync(fd);
        }
      } catch {
        continue;
      }
      const kind = sniffKind(head);
      if (kind !== 'fagmelding' && kind !== 'identmelding') continue;
      const lopenr =
        kind === 'fagmelding'
          ? /<(?:\w+:)?iiLopenr>\s*([^<\s]+)\s*</.exec(head)?.[1]
          : /<(?:\w+:)?Melding\b[^>]*\blopenr\s*=\s*["']([^"']+)["']/.exec(head)?.[1];
      out.push({ uri, kind, envelope: /<(?:\w+:)?MsgHead\b/.test(head), ...(lopenr ? { lopenr } : {}) });
    }
    return out;
  }

  /** Analysis settings for sending: every finding counts, none is cut off by `kpr.maxFindings`. */
  private async sendingSettings(uri: string): Promise<{ resolved: ResolvedSettings; settings: KprSettings }> {
    const resolved = await this.host.settingsFor(uri);
    return { resolved, settings: { ...resolved.kpr, maxFindings: Number.POSITIVE_INFINITY } };
  }

  /** Prepares the files together (pair checks included); a file that cannot be prepared is reported alone. */
  private async prepare(paths: string[], settings: KprSettings): Promise<{ prepared: Map<string, PreparedFile>; errors: Map<string, unknown> }> {
    const prepared = new Map<string, PreparedFile>();
    const errors = new Map<string, unknown>();
    try {
      for (const p of await prepareAll(paths, settings)) prepared.set(p.file, p);
    } catch {
      for (const path of paths) {
        try {
          prepared.set(nodePath.resolve(path), await prepareFile(path, settings));
        } catch (e) {
          errors.set(nodePath.resolve(path), e);
        }
      }
    }
    return { prepared, errors };
  }

  private async preflight(p: PreflightParams, token: CancellationToken): Promise<PreflightResult> {
    const env = this.envOf(p?.env);
    const uris = (p?.uris ?? []).filter((u): u is string => typeof u === 'string');
    const scope = uris[0];
    const r = await this.resolve(env, scope);
    const lang = r.lang;
    const config = this.describeConfig(env, r);
    const { resolved, settings } = await this.sendingSettings(scope ?? (r.baseDir ? pathToFileURL(r.baseDir).href : 'file:///'));
    const paths = uris.map(toPath);
    const { prepared, errors } = await this.prepare(paths, settings);
    if (token.isCancellationRequested) throw new ResponseError(-32800, 'cancelled');

    const journalPath = r.config?.journalPath ?? (r.local ? localJournalPath(r.baseDir) : undefined);
    const journal = journalPath ? this.openJournal(journalPath, false) : undefined;
    const lines = new Map<string, PreparedFile['lines']>();
    for (const f of prepared.values()) lines.set(pathToFileURL(f.file).href, f.lines);
    const files: PreflightFile[] = [];
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const [i, uri] of uris.entries()) {
      const path = nodePath.resolve(paths[i]);
      const name = displayName(path);
      const f = prepared.get(path);
      if (!f) {
        files.push({ uri, name, error: describe(errors.get(path), lang), counts: { error: 0, warning: 0, information: 0, hint: 0 }, diagnostics: [] });
        continue;
      }
      const first = seen.get(f.type);
      if (first) problems.push(t(lang, 'submit.sameTypeTwice', { first, second: name, type: f.type }));
      seen.set(f.type, name);
      const ctx: ConversionContext = {
        uri,
        lines: f.lines,
        length: f.payloadText.length,
        lang,
        docsBase: this.host.docsBase(resolved),
        relatedInformation: this.host.relatedInformation(),
        otherFile: (other) => lines.get(other),
      };
      const diagnostics: Diagnostic[] = f.findings.map((x) => toDiagnostic(x, ctx));
      const s = f.summary;
      const testUsers = s?.kind === 'fagmelding' ? s.persons.filter((x) => x.testUser).length : s?.kind === 'identmelding' ? s.idents.filter((x) => x.testUser).length : 0;
      const file: PreflightFile = {
        uri,
        name,
        type: f.type,
        counts: countSeverities(f.findings),
        diagnostics,
        testUsers,
        sha256: f.sha256,
        size: f.size,
        ...(f.counts.persons !== undefined ? { persons: f.counts.persons } : {}),
        ...(f.counts.services !== undefined ? { services: f.counts.services } : {}),
        ...(f.counts.idents !== undefined ? { idents: f.counts.idents } : {}),
        ...(f.period ? { period: f.period } : {}),
        ...(f.lopenr ? { lopenr: f.lopenr } : {}),
      };
      const earlier = journal?.pending({ env, sha256: f.sha256 }).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
      if (earlier) file.pending = { msgId: earlier.msgId, createdAt: earlier.createdAt, ...(earlier.sentAt ? { sentAt: earlier.sentAt } : {}), state: earlier.state };
      files.push(file);
    }
    if (uris.length === 0) problems.push(t(lang, 'submit.noFiles'));
    return { env, files, problems, config };
  }

  // -------------------------------------------------------------------------------------------------
  // Sending

  private openJournal(path: string, create: boolean): Journal | undefined {
    const abs = nodePath.resolve(path);
    const open = this.journals.get(abs);
    if (open) return open;
    if (!create && !fs.existsSync(abs)) return undefined;
    const j = Journal.open(abs);
    this.journals.set(abs, j);
    return j;
  }

  /** The session of `env` for this configuration and these secrets; a changed one replaces the old. */
  private async session(env: KprEnvironment, config: KprConfig, lang: Lang): Promise<EnvSession> {
    const secrets = config.secrets as Record<string, string | undefined>;
    // The key holds a hash of the secrets, never the secrets: a new password must rebuild the connection.
    const key = JSON.stringify(config) + '\n' + sha256(SECRET_NAMES.map((n) => `${n}=${secrets[n] ?? ''}`).join('\n'));
    const existing = this.sessions.get(env);
    if (existing?.key === key) {
      existing.lang = lang;
      return existing;
    }
    if (existing) {
      if (existing.busy) throw new KprError('lsp.submission.busy', { env });
      await this.closeSession(existing);
    }
    const journal = this.openJournal(config.journalPath, true)!;
    const session: EnvSession = {
      env,
      key,
      config,
      lang,
      busy: false,
      busState: 'connecting',
      submitter: new Submitter(config, {
        journal,
        log: (line) => this.host.log.info(line),
        busOptions: { onState: (e) => this.busStateChanged(session, e) },
      }),
    };
    this.sessions.set(env, session);
    return session;
  }

  private async closeSession(s: EnvSession): Promise<void> {
    if (this.sessions.get(s.env) === s) this.sessions.delete(s.env);
    s.offListener?.();
    const hadListener = s.listener !== undefined;
    await s.listener?.stop().catch(() => undefined);
    s.listener = undefined;
    await s.submitter.close().catch(() => undefined);
    if (hadListener) this.notifyListener({ env: s.env, state: 'stopped' });
  }

  private busStateChanged(s: EnvSession, e: BusStateEvent): void {
    s.busState = e.state;
    if (!s.listener || this.sessions.get(s.env) !== s) return;
    this.notifyListener({ env: s.env, state: e.state, ...(e.state !== 'connected' && (e.error || e.reason) ? { reason: maskForLog(e.error?.localized(s.lang) ?? e.reason ?? '') } : {}) });
  }

  private notifyListener(p: ListenerStateParams): void {
    if (this.disposed) return;
    this.connection.sendNotification(LISTENER_STATE_NOTIFICATION, p).catch(() => undefined);
  }

  private notifyChanged(): void {
    if (this.disposed) return;
    this.connection.sendNotification(SENDINGS_CHANGED_NOTIFICATION, {}).catch(() => undefined);
  }

  private async submit(p: SubmitParams, token: CancellationToken): Promise<SubmitResult> {
    const env = this.envOf(p?.env);
    const uris = (p?.uris ?? []).filter((u): u is string => typeof u === 'string');
    const submissionId = String(p?.submissionId ?? '');
    const refuse = (lang: Lang, e: unknown): SubmitResult => {
      const bad = secretBehind(e);
      const key = refusalKey(e);
      return { env, ok: false, refused: describe(e, lang), ...(key ? { refusedKey: key } : {}), ...(bad ? { badSecret: bad } : {}), sendings: [], listening: false };
    };
    const abort = new AbortController();
    const onCancel = token.onCancellationRequested(() => abort.abort());
    const progress = (x: Omit<SubmitProgressParams, 'submissionId' | 'env'>) => {
      this.connection.sendNotification(SUBMIT_PROGRESS_NOTIFICATION, { submissionId, env, ...x } satisfies SubmitProgressParams).catch(() => undefined);
    };
    let lang: Lang = 'en';
    let session: EnvSession | undefined;
    try {
      const r = await this.resolve(env, uris[0], p?.secrets ?? {});
      lang = r.lang;
      let config = r.config;
      if (r.local) {
        config = await this.localConfig(r.baseDir, lang, () =>
          progress({ phase: 'starting-local-receiver', index: 0, total: uris.length, cancellable: true, message: t(lang, 'lsp.progress.starting') }),
        );
      }
      if (!config) return { env, ok: false, refused: r.error ?? t(lang, 'lsp.submission.notConfigured'), refusedKey: 'lsp.submission.notConfigured', sendings: [], listening: false };
      checkReferencedFiles(config);
      if (abort.signal.aborted) throw new KprError('submit.cancelled');

      const { settings } = await this.sendingSettings(uris[0] ?? pathToFileURL(r.baseDir).href);
      const paths = uris.map(toPath);
      const prepared = await prepareAll(paths, settings, (file, index) =>
        progress({ phase: 'checking', file: displayName(file), index, total: uris.length, cancellable: true, message: t(lang, 'lsp.progress.checking', { file: displayName(file) }) }),
      );
      const expected = p?.expectedSha256 ?? {};
      for (const [i, f] of prepared.entries()) {
        const want = expected[uris[i]];
        if (want && want !== f.sha256) throw new KprError('lsp.submission.changed', { file: displayName(f.file) });
      }

      session = await this.session(env, config, lang);
      if (session.busy) throw new KprError('lsp.submission.busy', { env });
      session.busy = true;
      const uriOf = new Map(prepared.map((f, i) => [f.file, uris[i]]));
      const result = await session.submitter.submit([], {
        env,
        prepared,
        settings,
        force: p?.force === true,
        signal: abort.signal,
        onProgress: (e) => {
          progress(this.progressOf(e, lang));
          if (e.phase === 'recorded' || e.phase === 'sent' || e.phase === 'failed') this.notifyChanged();
        },
      });
      const sendings: SubmitOutcome[] = result.sendings.map((o) => ({
        uri: uriOf.get(o.file) ?? pathToFileURL(o.file).href,
        name: displayName(o.file),
        type: o.type,
        state: o.state,
        ...(o.msgId ? { msgId: o.msgId } : {}),
        ...(o.error ? { error: o.error.localized(lang) } : {}),
      }));
      this.notifyChanged();
      let listening = false;
      if (p?.listen !== false && result.sendings.some((o) => o.state === 'sent' || o.state === 'unconfirmed')) {
        listening = await this.startListener(session).then(
          () => true,
          () => false,
        );
      }
      return { env, ok: result.ok, sendings, listening };
    } catch (e) {
      if (!(e instanceof KprError)) throw e;
      return refuse(lang, e);
    } finally {
      onCancel.dispose();
      if (session) {
        session.busy = false;
        // Without a listener nothing needs the secrets or the connection any more: let both go.
        if (!session.listener && !session.listenerStarting) await this.closeSession(session);
      }
    }
  }

  private progressOf(e: SubmitProgress, lang: Lang): Omit<SubmitProgressParams, 'submissionId' | 'env'> {
    const file = displayName(e.file);
    const base = { phase: e.phase, file, index: e.index, total: e.total, cancellable: e.cancellable, ...(e.type ? { type: e.type } : {}), ...(e.msgId ? { msgId: e.msgId } : {}) };
    const args = { file, type: e.type ?? '', msgId: e.msgId ?? '', env: envName(e.env, lang) };
    switch (e.phase) {
      case 'checking':
        return { ...base, message: t(lang, 'lsp.progress.checking', args) };
      case 'packing':
        return { ...base, message: t(lang, 'lsp.progress.packing', args) };
      case 'recorded':
        return { ...base, message: t(lang, 'lsp.progress.recorded', args) };
      case 'sending':
        return { ...base, message: t(lang, 'lsp.progress.sending', args) };
      case 'sent':
        return { ...base, message: t(lang, 'lsp.progress.sent', args) };
      case 'failed':
        return { ...base, message: t(lang, 'lsp.progress.failed', { ...args, reason: maskForLog(e.error?.localized(lang) ?? '') }) };
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Listening for Apprecs

  private async listen(p: ListenParams): Promise<ListenerStateParams> {
    const env = this.envOf(p?.env);
    if (p?.action === 'stop') {
      const s = this.sessions.get(env);
      if (s) await this.closeSession(s);
      const state: ListenerStateParams = { env, state: 'stopped' };
      this.notifyListener(state);
      return state;
    }
    const r = await this.resolve(env, p?.scopeUri, p?.secrets ?? {});
    let config = r.config;
    try {
      if (r.local) config = await this.localConfig(r.baseDir, r.lang);
      if (!config) return { env, state: 'disconnected', reason: r.error ?? t(r.lang, 'lsp.submission.notConfigured') };
      const s = await this.session(env, config, r.lang);
      await this.startListener(s);
      return { env, state: s.busState === 'connecting' ? 'connected' : s.busState, ...(s.listener ? { trust: s.listener.trust.note.localized(r.lang) } : {}) };
    } catch (e) {
      if (!(e instanceof KprError)) throw e;
      const bad = secretBehind(e);
      const state: ListenerStateParams = { env, state: 'disconnected', reason: describe(e, r.lang), ...(bad ? { badSecret: bad } : {}) };
      this.notifyListener(state);
      return state;
    }
  }

  /** Starts the session's Apprec listener on its bus connection (shared with the submitter). */
  private async startListener(s: EnvSession): Promise<void> {
    if (s.listener) return;
    if (s.listenerStarting) return s.listenerStarting;
    s.listenerStarting = (async () => {
      this.notifyListener({ env: s.env, state: 'connecting' });
      try {
        const bus = await s.submitter.connection(s.env);
        const listener = new ApprecListener(s.config, { journal: s.submitter.journal, env: s.env, bus, log: (line) => this.host.log.info(line) });
        s.offListener = listener.on((e) => this.listenerEvent(s, e));
        await listener.start();
        s.listener = listener;
        s.busState = bus.state === 'connecting' ? 'connecting' : bus.state;
        this.notifyListener({ env: s.env, state: bus.state === 'connected' ? 'connected' : bus.state === 'reconnecting' ? 'reconnecting' : 'connecting', trust: listener.trust.note.localized(s.lang) });
        this.host.log.info(`listening for Apprecs of ${s.env} on ${s.config.amqp.asyncQueue} and ${s.config.amqp.errorQueue}`);
      } catch (e) {
        s.offListener?.();
        s.offListener = undefined;
        const bad = secretBehind(e);
        this.notifyListener({ env: s.env, state: 'disconnected', reason: describe(e, s.lang), ...(bad ? { badSecret: bad } : {}) });
        throw e;
      } finally {
        s.listenerStarting = undefined;
      }
    })();
    return s.listenerStarting;
  }

  private listenerEvent(s: EnvSession, e: ListenerEvent): void {
    const lang = s.lang;
    let params: ApprecReceivedParams;
    switch (e.kind) {
      case 'apprec': {
        const args = { type: e.entry.type, file: displayName(e.entry.file), env: envName(s.env, lang), status: statusText(e.apprec.status.code, lang) };
        params = {
          env: s.env,
          kind: 'apprec',
          msgId: e.msgId,
          state: e.entry.state,
          file: displayName(e.entry.file),
          type: e.apprec.originalMsgId.msgType || e.entry.type,
          isNew: e.result !== 'duplicate',
          message: t(lang, e.result === 'duplicate' ? 'lsp.apprec.again' : 'lsp.apprec.received', args),
        };
        break;
      }
      case 'transport-error':
        params = {
          env: s.env,
          kind: 'transport-error',
          msgId: e.msgId,
          state: e.entry.state,
          file: displayName(e.entry.file),
          type: e.entry.type,
          isNew: e.result !== 'duplicate',
          message: t(lang, 'lsp.apprec.transport', {
            type: e.entry.type,
            file: displayName(e.entry.file),
            env: envName(s.env, lang),
            condition: e.error.errorCondition,
            description: maskPersonIds(e.error.errorDescription),
          }),
        };
        break;
      case 'unmatched':
        params = { env: s.env, kind: 'unmatched', msgId: e.msgId, isNew: true, message: t(lang, 'lsp.apprec.unmatched', { msgId: e.msgId, path: e.savedTo }) };
        break;
      case 'quarantined':
        params = { env: s.env, kind: 'quarantined', isNew: true, message: maskForLog(t(lang, 'lsp.apprec.quarantined', { queue: e.queue, path: e.savedTo, reason: e.reason.localized(lang) })) };
        break;
    }
    if (this.disposed) return;
    this.connection.sendNotification(APPREC_RECEIVED_NOTIFICATION, params).catch(() => undefined);
    this.notifyChanged();
  }

  // -------------------------------------------------------------------------------------------------
  // The journal

  private async journal(p: JournalParams): Promise<JournalResult> {
    const lang = await this.langFor(p?.scopeUri);
    const baseDir = await this.folderFor(p?.scopeUri);
    const paths = new Set<string>();
    if (baseDir) {
      // Any environment names the same journal; 'test' needs nothing else to resolve.
      const r = await this.resolve('test', p?.scopeUri);
      if (r.config) paths.add(nodePath.resolve(r.config.journalPath));
      paths.add(localJournalPath(baseDir));
    }
    for (const s of this.sessions.values()) paths.add(nodePath.resolve(s.config.journalPath));
    const byId = new Map<string, SendingInfo>();
    const problems: string[] = [];
    const journals: string[] = [];
    for (const path of paths) {
      let j: Journal | undefined;
      try {
        j = this.openJournal(path, false);
      } catch (e) {
        problems.push(describe(e, lang));
        continue;
      }
      if (!j) continue;
      journals.push(path);
      try {
        for (const e of j.entries()) if (!byId.has(e.msgId)) byId.set(e.msgId, sendingInfo(e, path, lang));
      } catch (e) {
        problems.push(describe(e, lang));
      }
      for (const pr of j.problems) problems.push(t(lang, 'lsp.journal.problem', { line: pr.line, path, kind: pr.kind }));
    }
    const sendings = [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { sendings, journals, problems };
  }

  // -------------------------------------------------------------------------------------------------
  // Certificates

  private async validateCertificate(p: ValidateCertificateParams): Promise<ValidateCertificateResult> {
    const lang = await this.langFor(p?.scopeUri);
    const baseDir = (await this.folderFor(p?.scopeUri)) ?? process.cwd();
    const path = nodePath.resolve(baseDir, String(p?.path ?? ''));
    const result: ValidateCertificateResult = { ok: false, path, problems: [], notes: [] };
    if (p.role === 'signing' || p.role === 'decryption') result.secretId = p12SecretId(path);
    let data: Buffer;
    try {
      data = fs.readFileSync(path);
    } catch (e) {
      result.problems.push(t(lang, 'lsp.cert.unreadable', { path, reason: (e as NodeJS.ErrnoException).code ?? String(e) }));
      return result;
    }
    const isP12 = p.role === 'signing' || p.role === 'decryption';
    const purpose = p.role === 'signing' || p.role === 'kpr-signing' ? 'signing' : 'encryption';
    let cert: LoadedCertificate;
    try {
      if (isP12) {
        if (typeof p.passphrase !== 'string') {
          result.problems.push(t(lang, 'lsp.cert.noPassphrase'));
          return result;
        }
        cert = loadPkcs12(data, p.passphrase, { checkDates: false }).certificate;
      } else {
        cert = loadCertificate(data, { checkDates: false });
      }
    } catch (e) {
      if (e instanceof KprError && e.key === 'crypto.p12.wrongPassphrase') result.wrongPassphrase = true;
      result.problems.push(describe(e, lang));
      return result;
    }
    const d = describeCertificate(cert);
    const summary: CertificateSummary = {
      subject: d.subject.commonName ?? d.subject.dn,
      issuer: d.issuer.commonName ?? d.issuer.dn,
      serialNumber: d.serialNumber,
      validFrom: d.validFrom.toISOString(),
      validTo: d.validTo.toISOString(),
      fingerprintSha256: d.fingerprintSha256,
      ...(d.subject.organization ? { organization: d.subject.organization } : {}),
      ...(d.subject.organizationNumber ? { organizationNumber: d.subject.organizationNumber } : {}),
      ...(d.keyUsages ? { keyUsages: [...d.keyUsages] } : {}),
    };
    result.certificate = summary;
    const now = Date.now();
    const date = (x: Date) => x.toISOString().slice(0, 10);
    // An expired decryption certificate still opens old Apprecs; it is noted, not refused.
    if (d.validTo.getTime() < now) (p.role === 'decryption' ? result.notes : result.problems).push(t(lang, 'lsp.cert.expired', { date: date(d.validTo) }));
    else if (d.validFrom.getTime() > now) result.problems.push(t(lang, 'lsp.cert.notYetValid', { date: date(d.validFrom) }));
    else {
      const days = Math.floor((d.validTo.getTime() - now) / 86_400_000);
      if (days <= 30) result.notes.push(t(lang, 'lsp.cert.expiresSoon', { days, date: date(d.validTo) }));
    }
    if (!allowsPurpose(cert, purpose)) {
      result.problems.push(t(lang, purpose === 'signing' ? 'lsp.cert.notForSigning' : 'lsp.cert.notForEncryption', { usages: d.keyUsages?.join(', ') || '—' }));
    }
    if (isP12 && d.subject.organizationNumber) {
      const r = await this.resolve('test', p?.scopeUri).catch(() => undefined);
      const own = r?.config?.municipality.orgNumber;
      if (own && own !== d.subject.organizationNumber) result.notes.push(t(lang, 'lsp.cert.otherOrganisation', { cert: d.subject.organizationNumber, config: own }));
    }
    result.ok = result.problems.length === 0;
    return result;
  }

  // -------------------------------------------------------------------------------------------------
  // The report

  private async report(p: ReportParams, token: CancellationToken): Promise<ReportModel> {
    const uris = (p?.uris ?? []).filter((u): u is string => typeof u === 'string');
    const scope = uris[0] ?? 'file:///';
    const { settings } = await this.sendingSettings(scope);
    const files: (ReportFileInput & { path: string })[] = [];
    for (const uri of uris) {
      const path = toPath(uri);
      const checked = await checkFile(path, settings, () => token.isCancellationRequested);
      if (checked.result.stopped) throw new ResponseError(-32800, 'cancelled');
      files.push({ path, name: displayName(path), kind: checked.result.kind, ...(checked.result.summary ? { summary: checked.result.summary } : {}), findings: [...checked.result.findings] });
    }
    const fag = files.filter((f) => f.summary?.kind === 'fagmelding');
    const ide = files.filter((f) => f.summary?.kind === 'identmelding');
    if (fag.length === 1 && ide.length === 1 && fag[0].summary?.kind === 'fagmelding' && ide[0].summary?.kind === 'identmelding') {
      const pair = checkPair({ path: fag[0].path, summary: fag[0].summary }, { path: ide[0].path, summary: ide[0].summary }, settings);
      fag[0].findings = [...fag[0].findings, ...pair.fagFindings];
      ide[0].findings = [...ide[0].findings, ...pair.ideFindings];
    }
    return buildReport({ files, lang: settings.language });
  }
}

/** Registers the submission requests on the connection; the returned service is disposed on shutdown. */
export function registerSubmission(connection: Connection, host: SubmissionHost): SubmissionService {
  const service = new SubmissionService(connection, host);
  service.register();
  return service;
}

// ---------------------------------------------------------------------------------------------------------

function describe(e: unknown, lang: Lang): string {
  if (e instanceof KprError) return e.localized(lang);
  if (e instanceof Error) return maskPersonIds(e.message);
  return maskPersonIds(String(e));
}

function statusText(code: string, lang: Lang): string {
  return code === '1' || code === '2' || code === '3' ? t(lang, `lsp.apprec.status.${code}`) : code;
}

/** A journal entry as the client shows it: the Apprecs read again from their XML for the details. */
export function sendingInfo(e: JournalEntry, journal: string, lang: Lang): SendingInfo {
  const apprecs: ApprecInfo[] = e.apprecs.map(({ at, apprec }) => {
    const info: ApprecInfo = {
      receivedAt: at,
      status: apprec.status,
      errors: (apprec.errors ?? []).map((x) => ({
        code: x.code,
        ...(errorText(x.code, lang, x.text) ? { text: errorText(x.code, lang, x.text) } : {}),
        ...(x.description ? { details: maskPersonIds(x.description) } : {}),
      })),
      raw: maskPersonIds(apprec.raw),
      ...(apprec.apprecId ? { apprecId: apprec.apprecId } : {}),
      ...(apprec.originalMsgType ? { originalMsgType: apprec.originalMsgType } : {}),
      ...(apprec.issueDate ? { issueDate: apprec.issueDate } : {}),
    };
    try {
      const parsed = parseApprec(apprec.raw);
      info.genDate = parsed.genDate;
      info.sender = { ...(parsed.sender.name ? { name: parsed.sender.name } : {}), ...(parsed.sender.herId ? { herId: parsed.sender.herId } : {}) };
      info.errors = parsed.errors.map((x) => {
        const text = errorText(x.code, lang, x.text);
        // The OT may carry "[rule] @ location: text"; rule and location are shown on their own.
        const details = x.details && (x.rule || x.location) ? parseDetails(x.details).text : x.details;
        return {
          code: x.code,
          ...(text ? { text } : {}),
          ...(details ? { details } : {}),
          ...(x.rule ? { rule: x.rule } : {}),
          ...(x.location ? { location: x.location } : {}),
        };
      });
    } catch {
      // A receipt kept in the journal was readable when it came; if not now, its summary still says enough.
    }
    return info;
  });
  return {
    msgId: e.msgId,
    file: e.file,
    type: e.type,
    env: e.env,
    state: e.state,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    forced: e.forced,
    apprecs,
    transportErrors: e.transportErrors.map((x) => ({ receivedAt: x.at, errorCondition: x.error.errorCondition, errorDescription: maskPersonIds(x.error.errorDescription) })),
    journal,
    ...(e.sentAt ? { sentAt: e.sentAt } : {}),
    ...(e.toHerId ? { toHerId: e.toHerId } : {}),
    ...(e.size !== undefined ? { size: e.size } : {}),
    ...(e.failure ? { failure: { at: e.failure.at, reason: maskPersonIds(e.failure.reason) } } : {}),
  };
}

/** The meaning of an Apprec error code (list 8221) in `lang`; the receipt's own text for other codes. */
function errorText(code: string, lang: Lang, given: string | undefined): string | undefined {
  const known = APPREC_ERROR_CODES[code];
  if (known) return lang === 'nb' ? known.dn : known.en;
  return given ? maskPersonIds(given) : undefined;
}

const ENV_NAMES: Record<string, { nb: string; en: string }> = {
  prod: { nb: 'Produksjon', en: 'Production' },
  qa: { nb: 'QA', en: 'QA' },
  test: { nb: 'Test', en: 'Test' },
  local: { nb: 'Lokal mottaker', en: 'Local receiver' },
};

/** The environment as the side panel and the progress name it (client/src/views/model/format.ts envLabel). */
function envName(env: string, lang: Lang): string {
  return ENV_NAMES[env]?.[lang] ?? env;
}
