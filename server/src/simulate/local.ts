/**
 * Everything `kpr simulate` sets up, as one call: the test PKI, a broker (RabbitMQ given by URL, or the
 * embedded endpoint), the simulator on KPR's queue, and a ready `kpr.config.json` for the municipality side
 * (environment `local`) next to the certificates. The CLI prints what this returns; tests use it directly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defineErrors, KprError } from '../errors';
import { Lang } from '../i18n';
import { maskForLog } from '../privacy';
import { KprSettings } from '../analysis/types';
import { CONFIG_FILE_NAME, ENV_VARS } from '../submit/config';
import { ENVIRONMENT_DEFAULTS } from '../submit/environments';
import { parseBusUrl } from '../submit/transport/address';
import { BusConnection, BusConnectionOptions } from '../submit/transport/bus';
import { DEFAULT_EMBEDDED_PORT, DEFAULT_EXCHANGE, EmbeddedBroker } from './embeddedBroker';
import { ensureAmqpPassword, ensureSimulatorPki, SECRET_VARS, SimulatedMunicipality, SimulatorPki, TEST_MARK } from './pki';
import { KprSimulator, SimulatorMode } from './simulator';

const err = defineErrors({
  'simulate.local.noPassword': {
    en: 'The simulator needs the password of the AMQP user "{user}" on {host}: set {primary} (or {fallback}).',
    nb: 'Simulatoren trenger passordet til AMQP-brukeren «{user}» på {host}: sett {primary} (eller {fallback}).',
  },
  'simulate.local.queueMissing': {
    en: '{reason} The broker must have the exchange {exchange} and the queues {queues} (bound with routing key = queue name). {definitions} holds them as RabbitMQ definitions: rabbitmqctl import_definitions {definitions}; or start a private broker with KPR_BUS_HER_IDS="{herIds}" scripts/rabbitmq.sh start DIR PORT.',
    nb: '{reason} Megleren må ha exchange {exchange} og køene {queues} (bundet med rutenøkkel = kønavn). {definitions} inneholder dem som RabbitMQ-definisjoner: rabbitmqctl import_definitions {definitions}; eller start en privat megler med KPR_BUS_HER_IDS="{herIds}" scripts/rabbitmq.sh start MAPPE PORT.',
  },
});

/** Env var the simulator reads the broker password from (for --amqp); the municipality's name is the fallback. */
export const SIMULATOR_PASSWORD_VAR = 'KPR_SIMULATOR_AMQP_PASSWORD';
/** The AMQP user of the embedded endpoint. */
export const EMBEDDED_USER = 'kpr-local';

export interface LocalKprOptions {
  /** The simulator folder; default `.kpr/simulator` under `cwd`. */
  dir?: string;
  cwd?: string;
  /** A RabbitMQ (`amqp://USER@HOST:PORT/EXCHANGE`); absent: the embedded endpoint. */
  amqpUrl?: string;
  /** Password for `amqpUrl`; default from the environment (KPR_SIMULATOR_AMQP_PASSWORD, then KPR_AMQP_PASSWORD). */
  amqpPassword?: string;
  /** CA file for an amqps:// broker. */
  caFile?: string;
  /** Port of the embedded endpoint; default 5672, 0 for any free port. */
  port?: number;
  delayMs?: number;
  mode?: SimulatorMode;
  lang?: Lang;
  /** KPR's HER-id; default the `local` environment's (8133973, as NHN's test receiver). */
  kprHerId?: string;
  municipality?: Partial<SimulatedMunicipality>;
  settings?: Partial<KprSettings>;
  env?: Record<string, string | undefined>;
  /** RSA modulus for new test keys; default 2048. */
  keyBits?: number;
  busOptions?: Partial<Omit<BusConnectionOptions, 'url' | 'password'>>;
  /** Diagnostic lines (masked). */
  log?: (line: string) => void;
}

export interface LocalKpr {
  dir: string;
  pki: SimulatorPki;
  /** The municipality's ready configuration (environment `local`). */
  configPath: string;
  /** The file holding the generated secrets (0600), and the variables in it. */
  secretsFile: string;
  secretVars: string[];
  /** RabbitMQ definitions of the exchange, queues and bindings (written in --amqp mode). */
  definitionsFile?: string;
  /** `amqp://USER@HOST:PORT/EXCHANGE` as the municipality connects (no password). */
  busUrl: string;
  amqpUser: string;
  exchange: string;
  kprHerId: string;
  kprQueue: string;
  municipalityQueues: { async: string; error: string };
  broker?: EmbeddedBroker;
  bus: BusConnection;
  simulator: KprSimulator;
  stop(): Promise<void>;
}

/** Sets up and starts the local KPR. Call `stop()` to end it. */
export async function startLocalKpr(opts: LocalKprOptions = {}): Promise<LocalKpr> {
  const env = opts.env ?? process.env;
  const log = (line: string) => opts.log?.(maskForLog(line));
  const pki = await ensureSimulatorPki({ dir: opts.dir, cwd: opts.cwd, keyBits: opts.keyBits, municipality: opts.municipality });
  const kprHerId = opts.kprHerId ?? ENVIRONMENT_DEFAULTS.local.receiverHerId;
  const m = pki.municipality;
  const kprQueue = `${kprHerId}_async`;
  const municipalityQueues = { async: `${m.serviceHerId}_async`, error: `${m.serviceHerId}_error` };
  const queues = [kprQueue, `${kprHerId}_error`, municipalityQueues.async, municipalityQueues.error];

  let broker: EmbeddedBroker | undefined;
  let url: string;
  let password: string;
  let amqpUser: string;
  let exchange: string;
  let definitionsFile: string | undefined;
  if (opts.amqpUrl) {
    const address = parseBusUrl(opts.amqpUrl);
    amqpUser = address.user;
    exchange = address.exchange;
    url = opts.amqpUrl;
    const given = opts.amqpPassword ?? env[SIMULATOR_PASSWORD_VAR] ?? env[ENV_VARS.amqpPassword];
    if (!given) throw err('simulate.local.noPassword', { user: address.user, host: address.host, primary: SIMULATOR_PASSWORD_VAR, fallback: ENV_VARS.amqpPassword });
    password = given;
    definitionsFile = path.join(pki.dir, 'rabbitmq-definitions.json');
    fs.writeFileSync(definitionsFile, JSON.stringify(rabbitDefinitions(exchange, queues), null, 2) + '\n');
  } else {
    password = ensureAmqpPassword(pki);
    amqpUser = EMBEDDED_USER;
    exchange = DEFAULT_EXCHANGE;
    broker = await EmbeddedBroker.start({
      port: opts.port ?? DEFAULT_EMBEDDED_PORT,
      exchange,
      queues,
      storeDir: path.join(pki.dir, 'queues'),
      credentials: { user: amqpUser, password },
      log,
    });
    url = broker.url(amqpUser);
  }

  let bus: BusConnection | undefined;
  let simulator: KprSimulator | undefined;
  try {
    bus = await BusConnection.connect({
      ...(opts.caFile ? { caFile: opts.caFile } : {}),
      ...(opts.busOptions ?? {}),
      url,
      password,
      log,
      containerId: `kpr-simulator-${process.pid}`,
    });
    simulator = new KprSimulator({
      bus,
      pki,
      kprHerId,
      queue: kprQueue,
      stateDir: path.join(pki.dir, 'state'),
      delayMs: opts.delayMs,
      mode: opts.mode,
      lang: opts.lang,
      settings: opts.settings,
    });
    try {
      await simulator.start();
    } catch (e) {
      if (e instanceof KprError && e.key === 'bus.queueMissing' && definitionsFile) {
        throw err(
          'simulate.local.queueMissing',
          { reason: e.message, exchange, queues: queues.join(', '), definitions: definitionsFile, herIds: `${kprHerId} ${m.serviceHerId}` },
          e,
        );
      }
      throw e;
    }
  } catch (e) {
    await simulator?.stop().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await broker?.close().catch(() => undefined);
    throw e;
  }

  const address = parseBusUrl(url);
  const busUrl = `${address.tls ? 'amqps' : 'amqp'}://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}/${exchange}`;
  const configPath = writeLocalConfig(pki, { busUrl, amqpUser, kprHerId, ...(opts.caFile ? { caFile: path.resolve(opts.cwd ?? process.cwd(), opts.caFile) } : {}) });
  const secretVars = [SECRET_VARS.signP12Passphrase, SECRET_VARS.decryptP12Passphrase, ...(broker ? [SECRET_VARS.amqpPassword] : [])];

  let stopped = false;
  const liveBus = bus;
  const liveSimulator = simulator;
  return {
    dir: pki.dir,
    pki,
    configPath,
    secretsFile: pki.secretsFile,
    secretVars,
    ...(definitionsFile ? { definitionsFile } : {}),
    busUrl: url,
    amqpUser,
    exchange,
    kprHerId,
    kprQueue,
    municipalityQueues,
    ...(broker ? { broker } : {}),
    bus: liveBus,
    simulator: liveSimulator,
    async stop() {
      if (stopped) return;
      stopped = true;
      await liveSimulator.stop().catch(() => undefined);
      await liveBus.close().catch(() => undefined);
      await broker?.close();
    },
  };
}

/**
 * Writes the municipality's configuration for the rehearsal into the simulator folder. Paths are relative
 * to the folder, so it can be moved; secrets are not in it (see secrets.env). Rewritten on every start,
 * since the port may change.
 */
export function writeLocalConfig(pki: SimulatorPki, o: { busUrl: string; amqpUser: string; kprHerId: string; caFile?: string }): string {
  const m = pki.municipality;
  const rel = (p: string) => path.relative(pki.dir, p) || '.';
  const config = {
    $comment: `${TEST_MARK}: written by "kpr simulate" for a local rehearsal with throwaway test certificates. Never send real data with it. Rewritten on every start.`,
    environment: 'local',
    municipality: { name: m.name, herId: m.herId, serviceHerId: m.serviceHerId, serviceName: m.serviceName },
    amqp: { user: o.amqpUser },
    certificates: {
      signingP12: rel(pki.municipalitySigning.p12Path),
      decryptionP12: rel(pki.municipalityDecryption.p12Path),
      ...(o.caFile ? { caFile: o.caFile } : {}),
      kpr: { local: { encryptionCert: rel(pki.kprEncryption.certPath), signingCert: rel(pki.kprSigning.certPath) } },
    },
    environments: { local: { receiverHerId: o.kprHerId, busUrl: o.busUrl } },
    journalPath: 'kpr-journal',
  };
  const file = path.join(pki.dir, CONFIG_FILE_NAME);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n');
  fs.renameSync(tmp, file);
  return file;
}

/** RabbitMQ definitions (rabbitmqctl import_definitions) of NHN's layout: a durable direct exchange and durable queues bound by name. */
export function rabbitDefinitions(exchange: string, queues: string[]): object {
  return {
    exchanges: [{ name: exchange, vhost: '/', type: 'direct', durable: true, auto_delete: false, internal: false, arguments: {} }],
    queues: queues.map((name) => ({ name, vhost: '/', durable: true, auto_delete: false, arguments: {} })),
    bindings: queues.map((name) => ({ source: exchange, vhost: '/', destination: name, destination_type: 'queue', routing_key: name, arguments: {} })),
  };
}
