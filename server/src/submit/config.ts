/**
 * The municipality's sending configuration: `kpr.config.json` plus environment variables.
 *
 * The file holds only what is safe to share and commit (identities, HER-ids, queue names, paths). Secrets
 * (the AMQP password and the PKCS#12 passphrases) never come from the file: the VS Code side passes them
 * from SecretStorage, the CLI reads environment variables or prompts. A file that contains something that
 * looks like a secret is refused, so that nobody is tempted to put one there. See docs/configuration.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { isValidOrgNumber } from '../domain/identifiers';
import { defineErrors, KprError } from '../errors';
import {
  ENVIRONMENT_OVERRIDE_KEYS,
  EnvironmentOverrides,
  EnvironmentSettings,
  isKprEnvironment,
  KPR_ENVIRONMENTS,
  KprEnvironment,
  queueNameFromAddress,
  resolveEnvironments,
} from './environments';

export const CONFIG_FILE_NAME = 'kpr.config.json';

/** Environment variables the configuration reads. Secrets come only from here (or from the caller). */
export const ENV_VARS = {
  config: 'KPR_CONFIG',
  environment: 'KPR_ENV',
  amqpUser: 'KPR_AMQP_USER',
  busUrl: 'KPR_BUS_URL',
  journal: 'KPR_JOURNAL',
  amqpPassword: 'KPR_AMQP_PASSWORD',
  signP12Passphrase: 'KPR_SIGN_P12_PASSPHRASE',
  decryptP12Passphrase: 'KPR_DECRYPT_P12_PASSPHRASE',
} as const;

/** Who sends: the municipality and its «Saksbehandling» service (two-level, service-based addressing). */
export interface MunicipalityIdentity {
  name: string;
  /** Organisasjonsnummer (9 digits) in Enhetsregisteret. */
  orgNumber?: string;
  /** HER-id of the municipality (the top-level Organisation). */
  herId: string;
  /** HER-id of the service that sends to KPR («Saksbehandling»); its queues receive the Apprecs. */
  serviceHerId: string;
  serviceName: string;
}

export interface KprCertificatePaths {
  /** KPR's encryption certificate (PEM or DER) for this environment: the sending is encrypted to it. */
  encryptionCert?: string;
  /** KPR's signing certificate for this environment: verifies the Apprecs. */
  signingCert?: string;
}

export interface ConfigSecrets {
  readonly amqpPassword?: string;
  readonly signP12Passphrase?: string;
  readonly decryptP12Passphrase?: string;
}

export interface KprConfig {
  /** The config file (absolute) or a label for configuration that came from elsewhere. */
  source: string;
  /** Directory that relative paths were resolved against. */
  baseDir: string;
  environment: KprEnvironment;
  municipality: MunicipalityIdentity;
  amqp: {
    user?: string;
    /** Own queue where Apprecs arrive (default `<serviceHerId>_async`). */
    asyncQueue: string;
    /** Own queue where transport errors arrive (default `<serviceHerId>_error`). */
    errorQueue: string;
  };
  certificates: {
    /** PKCS#12 with the municipality's signing certificate and key (enterprise certificate, nonRepudiation). */
    signingP12?: string;
    /** PKCS#12 with the municipality's encryption certificate and key: decrypts incoming Apprecs. */
    decryptionP12?: string;
    /** Extra trusted CA certificates (PEM): the bus's TLS chain and certificate chains of Buypass/Commfides test CAs. */
    caFile?: string;
    kpr: Record<KprEnvironment, KprCertificatePaths>;
  };
  environments: Record<KprEnvironment, EnvironmentSettings>;
  /** The selected environment's settings (`environments[environment]`). */
  target: EnvironmentSettings;
  /** Where the journal of sendings and Apprecs is kept. */
  journalPath: string;
  /** Not enumerable, masked in JSON and inspect output, so that logging a config never shows a secret. */
  readonly secrets: ConfigSecrets;
}

export interface ResolveOptions {
  /** Directory of the config file; relative paths are resolved against it. */
  baseDir: string;
  /** Environment variables (normally process.env). */
  env?: Record<string, string | undefined>;
  /** Name of the file in error messages (default: the config file name in baseDir). */
  source?: string;
  /** Secrets supplied by the caller (VS Code SecretStorage, a CLI prompt); they win over env vars. */
  secrets?: Partial<ConfigSecrets>;
}

const newError = defineErrors({
  'submit.config.secretInFile': {
    nb: '«{field}» i {file} ser ut som en hemmelighet. Passord og passfraser skal aldri stå i konfigurasjonsfilen. I VS Code lagres de i den sikre lagringen (SecretStorage) og spørres om ved behov; på kommandolinjen kommer de fra miljøvariablene KPR_AMQP_PASSWORD, KPR_SIGN_P12_PASSPHRASE og KPR_DECRYPT_P12_PASSPHRASE, ellers spør kpr om dem. Fjern «{field}» fra filen.',
    en: '"{field}" in {file} looks like a secret. Passwords and passphrases never belong in the configuration file. VS Code keeps them in its secure storage (SecretStorage) and asks when needed; on the command line they come from the environment variables KPR_AMQP_PASSWORD, KPR_SIGN_P12_PASSPHRASE and KPR_DECRYPT_P12_PASSPHRASE, otherwise kpr prompts for them. Remove "{field}" from the file.',
  },
  'submit.config.unknownKey': {
    nb: 'Ukjent innstilling «{field}» i {file}. Tillatt her: {valid}.',
    en: 'Unknown setting "{field}" in {file}. Allowed here: {valid}.',
  },
  'submit.config.missing': {
    nb: '«{field}» mangler i {file}.',
    en: '"{field}" is missing in {file}.',
  },
  'submit.config.notObject': {
    nb: '«{field}» i {file} må være et JSON-objekt {…}.',
    en: '"{field}" in {file} must be a JSON object {…}.',
  },
  'submit.config.notText': {
    nb: '«{field}» i {file} må være en tekst "…".',
    en: '"{field}" in {file} must be a text "…".',
  },
  'submit.config.notTextOrNumber': {
    nb: '«{field}» i {file} må være en tekst "…" eller et tall.',
    en: '"{field}" in {file} must be a text "…" or a number.',
  },
  'submit.config.badOrgNumberLength': {
    nb: '«{field}» i {file} må være et organisasjonsnummer med 9 sifre, ikke «{value}».',
    en: '"{field}" in {file} must be an organisation number of 9 digits, not "{value}".',
  },
  'submit.config.badOrgNumber': {
    nb: '«{field}» i {file} er ikke et gyldig organisasjonsnummer: «{value}» har feil kontrollsiffer (modulus 11).',
    en: '"{field}" in {file} is not a valid organisation number: "{value}" fails the check digit test (modulus 11).',
  },
  'submit.config.badHerId': {
    nb: '«{field}» i {file} må være en HER-id (bare sifre, høyst 9), ikke «{value}».',
    en: '"{field}" in {file} must be a HER-id (digits only, at most 9), not "{value}".',
  },
  'submit.config.sameHerId': {
    nb: '«municipality.serviceHerId» i {file} er lik kommunens egen HER-id ({value}). Oppgi HER-id-en til tjenesten «Saksbehandling» fra Adresseregisteret.',
    en: '"municipality.serviceHerId" in {file} equals the municipality\'s own HER-id ({value}). Give the HER-id of the «Saksbehandling» service from the Adresseregister.',
  },
  'submit.config.badQueue': {
    nb: '«{field}» i {file} er ikke et gyldig kønavn: «{value}».',
    en: '"{field}" in {file} is not a valid queue name: "{value}".',
  },
  'submit.config.badEnvironment': {
    nb: 'Ukjent miljø «{value}» i {where}. Gyldige miljøer er: {valid}.',
    en: 'Unknown environment "{value}" in {where}. Valid environments are: {valid}.',
  },
  'submit.config.fileNotFound': {
    nb: 'Finner ikke konfigurasjonsfilen {file}.',
    en: 'Configuration file {file} not found.',
  },
  'submit.config.noConfigFile': {
    nb: 'Fant ingen kpr.config.json i {dir}. Oppgi filen med --config eller miljøvariabelen KPR_CONFIG (se docs/configuration.md).',
    en: 'No kpr.config.json in {dir}. Name the file with --config or the environment variable KPR_CONFIG (see docs/configuration.md).',
  },
  'submit.config.notJson': {
    nb: '{file} er ikke gyldig JSON{where}.',
    en: '{file} is not valid JSON{where}.',
  },
  'submit.config.unreadable': {
    nb: 'Kan ikke lese {file}: {reason}.',
    en: 'Cannot read {file}: {reason}.',
  },
  'submit.config.referencedFileMissing': {
    nb: 'Filen som «{field}» i {file} peker på, finnes ikke: {path}.',
    en: 'The file that "{field}" in {file} points to does not exist: {path}.',
  },
  'submit.config.notReady': {
    nb: 'Konfigurasjonen i {file} mangler det som trengs for å sende til miljøet «{env}»: {fields}.',
    en: 'The configuration in {file} lacks what sending to environment "{env}" needs: {fields}.',
  },
});

/** Keys whose name says "secret". Checked before anything else so the user gets the helpful message. */
const SECRET_KEY = /pass(word|phrase|wd)|pwd|secret|token|credential|private[-_]?key/i;

const ROOT_KEYS = ['environment', 'municipality', 'amqp', 'certificates', 'environments', 'journalPath'] as const;
const MUNICIPALITY_KEYS = ['name', 'orgNumber', 'herId', 'serviceHerId', 'serviceName'] as const;
const AMQP_KEYS = ['user', 'asyncQueue', 'errorQueue'] as const;
const CERTIFICATE_KEYS = ['signingP12', 'decryptionP12', 'caFile', 'kpr'] as const;
const KPR_CERT_KEYS = ['encryptionCert', 'signingCert'] as const;

const HER_ID = /^[0-9]{1,9}$/;
const QUEUE_NAME = /^[A-Za-z0-9_.\-]{1,200}$/;

type Json = Record<string, unknown>;

/**
 * Turns the parsed JSON of a config file (plus environment variables) into a checked configuration.
 * Pure: reads no files. Throws a KprError naming the field and the file for anything wrong.
 */
export function resolveConfig(json: unknown, opts: ResolveOptions): KprConfig {
  const env = opts.env ?? {};
  const baseDir = path.resolve(opts.baseDir);
  const file = opts.source ?? path.join(baseDir, CONFIG_FILE_NAME);
  const ctx: Ctx = { file };

  if (!isObject(json)) throw newError('submit.config.notObject', { field: '(root)', file });
  refuseSecrets(json, '', ctx);
  checkKeys(json, ROOT_KEYS, '', ctx);

  // environment: KPR_ENV wins over the file so one file serves test and production runs.
  let environment: KprEnvironment = 'test';
  const envFromVar = env[ENV_VARS.environment]?.trim();
  if (envFromVar) {
    if (!isKprEnvironment(envFromVar)) {
      throw newError('submit.config.badEnvironment', { value: envFromVar, where: ENV_VARS.environment, valid: KPR_ENVIRONMENTS.join(', ') });
    }
    environment = envFromVar;
  } else if (json.environment !== undefined) {
    const value = str(json, 'environment', '', ctx, true)!;
    if (!isKprEnvironment(value)) {
      throw newError('submit.config.badEnvironment', { value, where: `${file} (environment)`, valid: KPR_ENVIRONMENTS.join(', ') });
    }
    environment = value;
  }

  // municipality
  const m = obj(json, 'municipality', '', ctx, true)!;
  checkKeys(m, MUNICIPALITY_KEYS, 'municipality.', ctx);
  const name = str(m, 'name', 'municipality.', ctx, true)!;
  const orgNumber = orgNumberField(m, 'orgNumber', 'municipality.', ctx);
  const herId = herIdField(m, 'herId', 'municipality.', ctx, true)!;
  const serviceHerId = herIdField(m, 'serviceHerId', 'municipality.', ctx, true)!;
  if (serviceHerId === herId) throw newError('submit.config.sameHerId', { file, value: herId });
  const serviceName = str(m, 'serviceName', 'municipality.', ctx) ?? 'Saksbehandling';

  // amqp
  const a = obj(json, 'amqp', '', ctx) ?? {};
  checkKeys(a, AMQP_KEYS, 'amqp.', ctx);
  const user = env[ENV_VARS.amqpUser]?.trim() || str(a, 'user', 'amqp.', ctx);
  const asyncQueue = queueField(a, 'asyncQueue', ctx) ?? `${serviceHerId}_async`;
  const errorQueue = queueField(a, 'errorQueue', ctx) ?? `${serviceHerId}_error`;

  // certificates
  const c = obj(json, 'certificates', '', ctx) ?? {};
  checkKeys(c, CERTIFICATE_KEYS, 'certificates.', ctx);
  const signingP12 = pathField(c, 'signingP12', 'certificates.', ctx, baseDir);
  const decryptionP12 = pathField(c, 'decryptionP12', 'certificates.', ctx, baseDir);
  const caFile = pathField(c, 'caFile', 'certificates.', ctx, baseDir);
  const kprJson = obj(c, 'kpr', 'certificates.', ctx) ?? {};
  checkKeys(kprJson, KPR_ENVIRONMENTS, 'certificates.kpr.', ctx);
  const kpr = {} as Record<KprEnvironment, KprCertificatePaths>;
  for (const e of KPR_ENVIRONMENTS) {
    const prefix = `certificates.kpr.${e}.`;
    const entry = obj(kprJson, e, 'certificates.kpr.', ctx) ?? {};
    checkKeys(entry, KPR_CERT_KEYS, prefix, ctx);
    const paths: KprCertificatePaths = {};
    const enc = pathField(entry, 'encryptionCert', prefix, ctx, baseDir);
    const sig = pathField(entry, 'signingCert', prefix, ctx, baseDir);
    if (enc) paths.encryptionCert = enc;
    if (sig) paths.signingCert = sig;
    kpr[e] = paths;
  }

  // environments: overrides of KPR's addresses
  const envsJson = obj(json, 'environments', '', ctx) ?? {};
  checkKeys(envsJson, KPR_ENVIRONMENTS, 'environments.', ctx);
  const overrides: Partial<Record<KprEnvironment, EnvironmentOverrides>> = {};
  for (const e of KPR_ENVIRONMENTS) {
    const prefix = `environments.${e}.`;
    const entry = obj(envsJson, e, 'environments.', ctx);
    if (!entry) continue;
    checkKeys(entry, ENVIRONMENT_OVERRIDE_KEYS, prefix, ctx);
    const o: EnvironmentOverrides = {};
    for (const key of ENVIRONMENT_OVERRIDE_KEYS) {
      const value = key === 'receiverHerId' || key === 'receiverServiceHerId' ? herIdField(entry, key, prefix, ctx) : str(entry, key, prefix, ctx);
      if (value !== undefined) o[key] = value;
    }
    overrides[e] = o;
  }
  const busUrlFromVar = env[ENV_VARS.busUrl]?.trim();
  if (busUrlFromVar) {
    overrides[environment] = { ...overrides[environment], busUrl: busUrlFromVar };
  }
  const environments = resolveEnvironments(overrides, busUrlFromVar ? `${file} / ${ENV_VARS.busUrl}` : file);

  const journalFromVar = env[ENV_VARS.journal]?.trim();
  const journalPath = journalFromVar
    ? path.resolve(baseDir, journalFromVar)
    : (pathField(json, 'journalPath', '', ctx, baseDir) ?? path.join(baseDir, 'kpr-journal'));

  const config: Omit<KprConfig, 'secrets'> = {
    source: file,
    baseDir,
    environment,
    municipality: { name, ...(orgNumber ? { orgNumber } : {}), herId, serviceHerId, serviceName },
    amqp: { ...(user ? { user } : {}), asyncQueue, errorQueue },
    certificates: {
      ...(signingP12 ? { signingP12 } : {}),
      ...(decryptionP12 ? { decryptionP12 } : {}),
      ...(caFile ? { caFile } : {}),
      kpr,
    },
    environments,
    target: environments[environment],
    journalPath,
  };
  Object.defineProperty(config, 'secrets', {
    value: makeSecrets({
      amqpPassword: opts.secrets?.amqpPassword ?? nonEmpty(env[ENV_VARS.amqpPassword]),
      signP12Passphrase: opts.secrets?.signP12Passphrase ?? nonEmpty(env[ENV_VARS.signP12Passphrase]),
      decryptP12Passphrase: opts.secrets?.decryptP12Passphrase ?? nonEmpty(env[ENV_VARS.decryptP12Passphrase]),
    }),
    enumerable: false,
  });
  return config as KprConfig;
}

export interface LoadOptions {
  env?: Record<string, string | undefined>;
  secrets?: Partial<ConfigSecrets>;
  /** Where to look for kpr.config.json when neither a path nor KPR_CONFIG is given (default: process.cwd()). */
  cwd?: string;
  /** Check that the files the configuration points to exist (default true). */
  checkFiles?: boolean;
}

/**
 * Reads and resolves a config file: `file`, else $KPR_CONFIG, else ./kpr.config.json.
 * Also checks that the referenced certificate files of the selected environment exist.
 */
export function loadConfig(file?: string, opts: LoadOptions = {}): KprConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = file ?? nonEmpty(env[ENV_VARS.config]);
  const configPath = path.resolve(cwd, explicit ?? CONFIG_FILE_NAME);

  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (explicit) throw newError('submit.config.fileNotFound', { file: configPath }, err);
      throw newError('submit.config.noConfigFile', { dir: cwd }, err);
    }
    throw newError('submit.config.unreadable', { file: configPath, reason: code ?? String(err) }, err);
  }

  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    // The parser's message may quote the file; quote only a position, never content (it could hold a secret).
    throw newError('submit.config.notJson', { file: configPath, where: jsonErrorPosition(text, err) });
  }

  const config = resolveConfig(json, { baseDir: path.dirname(configPath), env, source: configPath, secrets: opts.secrets });
  if (opts.checkFiles ?? true) checkReferencedFiles(config);
  return config;
}

/** Throws if a file that the selected environment needs is configured but absent. */
export function checkReferencedFiles(config: KprConfig): void {
  const kprCerts = config.certificates.kpr[config.environment];
  const refs: [string, string | undefined][] = [
    ['certificates.signingP12', config.certificates.signingP12],
    ['certificates.decryptionP12', config.certificates.decryptionP12],
    ['certificates.caFile', config.certificates.caFile],
    [`certificates.kpr.${config.environment}.encryptionCert`, kprCerts.encryptionCert],
    [`certificates.kpr.${config.environment}.signingCert`, kprCerts.signingCert],
  ];
  for (const [field, p] of refs) {
    if (p && !fs.existsSync(p)) throw newError('submit.config.referencedFileMissing', { field, file: config.source, path: p });
  }
}

/** What a sending to the selected environment still lacks: config settings and secrets (by env var name). */
export function missingForSending(config: KprConfig): { settings: string[]; secrets: string[] } {
  const settings: string[] = [];
  if (!config.amqp.user) settings.push('amqp.user');
  if (!config.certificates.signingP12) settings.push('certificates.signingP12');
  if (!config.certificates.decryptionP12) settings.push('certificates.decryptionP12');
  if (!config.certificates.kpr[config.environment].encryptionCert) {
    settings.push(`certificates.kpr.${config.environment}.encryptionCert`);
  }
  const secrets: string[] = [];
  if (config.secrets.amqpPassword === undefined) secrets.push(ENV_VARS.amqpPassword);
  if (config.secrets.signP12Passphrase === undefined) secrets.push(ENV_VARS.signP12Passphrase);
  if (config.secrets.decryptP12Passphrase === undefined) secrets.push(ENV_VARS.decryptP12Passphrase);
  return { settings, secrets };
}

/** Throws a KprError listing the settings a sending needs but the file lacks (secrets may still be prompted for). */
export function assertReadyToSend(config: KprConfig): void {
  const { settings } = missingForSending(config);
  if (settings.length > 0) {
    throw newError('submit.config.notReady', { file: config.source, env: config.environment, fields: settings.join(', ') });
  }
}

/** Returns a copy of the config with other secrets (e.g. after a prompt); the rest is shared. */
export function withSecrets(config: KprConfig, secrets: Partial<ConfigSecrets>): KprConfig {
  const copy = { ...config } as Omit<KprConfig, 'secrets'>;
  Object.defineProperty(copy, 'secrets', { value: makeSecrets({ ...config.secrets, ...secrets }), enumerable: false });
  return copy as KprConfig;
}

// ---------------------------------------------------------------------------------------------------------

interface Ctx {
  file: string;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function refuseSecrets(node: unknown, prefix: string, ctx: Ctx): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => refuseSecrets(item, `${prefix}[${i}]`, ctx));
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    const field = prefix ? `${prefix}.${key}` : key;
    if (SECRET_KEY.test(key)) throw newError('submit.config.secretInFile', { field, file: ctx.file });
    refuseSecrets(value, field, ctx);
  }
}

function checkKeys(node: Json, allowed: readonly string[], prefix: string, ctx: Ctx): void {
  for (const key of Object.keys(node)) {
    // "$schema" and "$comment"-style keys let editors validate and let people annotate the file.
    if (key.startsWith('$')) continue;
    if (!allowed.includes(key)) {
      throw newError('submit.config.unknownKey', { field: prefix + key, file: ctx.file, valid: allowed.join(', ') });
    }
  }
}

function obj(node: Json, key: string, prefix: string, ctx: Ctx, required = false): Json | undefined {
  const v = node[key];
  if (v === undefined || v === null) {
    if (required) throw newError('submit.config.missing', { field: prefix + key, file: ctx.file });
    return undefined;
  }
  if (!isObject(v)) throw newError('submit.config.notObject', { field: prefix + key, file: ctx.file });
  return v;
}

function str(node: Json, key: string, prefix: string, ctx: Ctx, required = false): string | undefined {
  const v = node[key];
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    if (required) throw newError('submit.config.missing', { field: prefix + key, file: ctx.file });
    return undefined;
  }
  if (typeof v !== 'string') throw newError('submit.config.notText', { field: prefix + key, file: ctx.file });
  return v.trim();
}

/** Identifiers may be written as JSON numbers or strings; both become digit strings. */
function digits(node: Json, key: string, prefix: string, ctx: Ctx, required: boolean): string | undefined {
  const v = node[key];
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  if (v !== undefined && v !== null && typeof v !== 'string') {
    throw newError('submit.config.notTextOrNumber', { field: prefix + key, file: ctx.file });
  }
  return str(node, key, prefix, ctx, required);
}

function herIdField(node: Json, key: string, prefix: string, ctx: Ctx, required = false): string | undefined {
  const v = digits(node, key, prefix, ctx, required);
  if (v !== undefined && !HER_ID.test(v)) throw newError('submit.config.badHerId', { field: prefix + key, file: ctx.file, value: v });
  return v;
}

function orgNumberField(node: Json, key: string, prefix: string, ctx: Ctx): string | undefined {
  const raw = digits(node, key, prefix, ctx, false);
  if (raw === undefined) return undefined;
  // People copy org numbers as "983 544 622"; the spaces carry no meaning.
  const v = raw.replace(/[\s\u00a0]/g, '');
  if (!/^[0-9]{9}$/.test(v)) throw newError('submit.config.badOrgNumberLength', { field: prefix + key, file: ctx.file, value: raw });
  if (!isValidOrgNumber(v)) throw newError('submit.config.badOrgNumber', { field: prefix + key, file: ctx.file, value: raw });
  return v;
}

function queueField(node: Json, key: 'asyncQueue' | 'errorQueue', ctx: Ctx): string | undefined {
  const raw = str(node, key, 'amqp.', ctx);
  if (raw === undefined) return undefined;
  // The Adresseregister gives e.g. "sb.test.nhn.no/DigitalDialog/93238_async"; the queue is the last segment.
  const name = queueNameFromAddress(raw);
  if (!QUEUE_NAME.test(name)) throw newError('submit.config.badQueue', { field: `amqp.${key}`, file: ctx.file, value: raw });
  return name;
}

function pathField(node: Json, key: string, prefix: string, ctx: Ctx, baseDir: string): string | undefined {
  const v = str(node, key, prefix, ctx);
  return v === undefined ? undefined : path.resolve(baseDir, v);
}

function makeSecrets(values: ConfigSecrets): ConfigSecrets {
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) secrets[k] = v;
  const masked = () => Object.fromEntries(Object.keys(secrets).map((k) => [k, '****']));
  Object.defineProperty(secrets, 'toJSON', { value: masked, enumerable: false });
  Object.defineProperty(secrets, inspect.custom, { value: () => masked(), enumerable: false });
  return Object.freeze(secrets) as ConfigSecrets;
}

function jsonErrorPosition(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  if (!m) return '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return ` (${line}:${column})`;
}

/** True for errors raised by this module (or environments.ts) about configuration. */
export function isConfigError(err: unknown): err is KprError {
  return err instanceof KprError && (err.key.startsWith('submit.config.') || err.key.startsWith('submit.env.'));
}
