/**
 * KPR's receiving side per environment: whom a Hodemelding is addressed to (HER-ids) and where the AMQP
 * message goes (NHN Tjenestebuss URL, exchange, receiver queue).
 *
 * Facts with a public source are defaults; addresses marked `uncertain` are best guesses that every
 * municipality can (and for production should) override in `kpr.config.json` (`environments.<name>`).
 */
import { defineErrors } from '../errors';

export type KprEnvironment = 'test' | 'qa' | 'prod' | 'local';

export const KPR_ENVIRONMENTS: readonly KprEnvironment[] = ['test', 'qa', 'prod', 'local'];

export function isKprEnvironment(value: unknown): value is KprEnvironment {
  return typeof value === 'string' && (KPR_ENVIRONMENTS as readonly string[]).includes(value);
}

/** Everything about the receiving side of one environment, after configuration has been applied. */
export interface EnvironmentSettings {
  name: KprEnvironment;
  /** KPR's HER-id in this environment (the top-level receiver Organisation in the MsgHead). */
  receiverHerId: string;
  /** OrganisationName of the receiver; informational, routing is by HER-id. */
  receiverName: string;
  /** HER-id of a service under KPR, addressed as the nested receiver Organisation; absent if KPR is addressed directly. */
  receiverServiceHerId?: string;
  receiverServiceName?: string;
  /** AMQP URL without credentials, e.g. `amqps://tb.test.nhn.no:5671/NHNTESTServiceBus`. */
  busUrl: string;
  /** Exchange that the send link targets (`/exchange/<exchange>/<queue>`); by default the URL's path. */
  exchange: string;
  /** KPR's receive queue. Default `<HER>_async` of the addressed party (the service if configured). */
  receiverQueue: string;
  /** The HER-id that receives the message on the bus: the service if configured, otherwise KPR itself (AMQP `toHerId`). */
  toHerId: string;
  /** Which Adresseregister holds the receiver (informational: prod, test or none for local). */
  addressRegister: 'prod' | 'test' | 'none';
  /**
   * Names of the settings that are unverified defaults rather than documented facts (e.g. 'busUrl').
   * Empty when everything came from configuration or a public source.
   */
  uncertain: string[];
}

/** What `kpr.config.json` may override for one environment (`environments.<name>`). */
export interface EnvironmentOverrides {
  receiverHerId?: string;
  receiverName?: string;
  receiverServiceHerId?: string;
  receiverServiceName?: string;
  busUrl?: string;
  exchange?: string;
  receiverQueue?: string;
}

export const ENVIRONMENT_OVERRIDE_KEYS: readonly (keyof EnvironmentOverrides)[] = [
  'receiverHerId',
  'receiverName',
  'receiverServiceHerId',
  'receiverServiceName',
  'busUrl',
  'exchange',
  'receiverQueue',
];

interface EnvironmentDefault {
  receiverHerId: string;
  busUrl: string;
  addressRegister: EnvironmentSettings['addressRegister'];
  /** Which defaults are guesses. */
  uncertain: string[];
}

/** Default name of KPR in the MsgHead; the register has been run by FHI since 2024. */
export const KPR_RECEIVER_NAME = 'Kommunalt pasient- og brukerregister (KPR)';

/**
 * Receiver HER-ids come from the yearly KPR letter to the municipalities (Adresseregister prod for
 * prod and QA, Adresseregister test for test). The test bus URL is NHN's documented test endpoint.
 *
 * UNCERTAIN: the production endpoint. NHN's older (Azure Service Bus era) documentation gives
 * `sb.nhn.no/NHNPRODServiceBus`; by analogy with the test endpoint `tb.test.nhn.no/NHNTESTServiceBus`
 * the RabbitMQ production endpoint is assumed to be `tb.nhn.no:5671/NHNPRODServiceBus`. It is only
 * reachable from Helsenettet. QA (HER-id 171479) is registered in Adresseregister prod, so it is assumed
 * to use the production bus. Confirm both with NHN before the first real sending and set
 * `environments.prod.busUrl` / `environments.qa.busUrl` in kpr.config.json.
 */
export const ENVIRONMENT_DEFAULTS: Readonly<Record<KprEnvironment, Readonly<EnvironmentDefault>>> = {
  test: {
    receiverHerId: '8133973',
    busUrl: 'amqps://tb.test.nhn.no:5671/NHNTESTServiceBus',
    addressRegister: 'test',
    uncertain: [],
  },
  qa: {
    receiverHerId: '171479',
    busUrl: 'amqps://tb.nhn.no:5671/NHNPRODServiceBus',
    addressRegister: 'prod',
    uncertain: ['busUrl'],
  },
  prod: {
    receiverHerId: '122612',
    busUrl: 'amqps://tb.nhn.no:5671/NHNPRODServiceBus',
    addressRegister: 'prod',
    uncertain: ['busUrl'],
  },
  // A private RabbitMQ broker with a local receiver that answers like KPR; it pretends to be the test receiver.
  local: {
    receiverHerId: '8133973',
    busUrl: 'amqp://localhost:5672/NHNTESTServiceBus',
    addressRegister: 'none',
    uncertain: [],
  },
};

const newError = defineErrors({
  'submit.env.unknown': {
    nb: 'Ukjent miljø «{name}». Gyldige miljøer er: {valid}.',
    en: 'Unknown environment "{name}". Valid environments are: {valid}.',
  },
  'submit.env.badHerId': {
    nb: 'environments.{env}.{field} i {source} må være en HER-id (bare sifre), ikke «{value}».',
    en: 'environments.{env}.{field} in {source} must be a HER-id (digits only), not "{value}".',
  },
  'submit.env.badBusUrl': {
    nb: 'environments.{env}.busUrl i {source} er ikke en gyldig AMQP-adresse. Forventet f.eks. amqps://tb.test.nhn.no:5671/NHNTESTServiceBus.',
    en: 'environments.{env}.busUrl in {source} is not a valid AMQP address. Expected e.g. amqps://tb.test.nhn.no:5671/NHNTESTServiceBus.',
  },
  'submit.env.plainAmqp': {
    nb: 'environments.{env}.busUrl i {source} bruker amqp:// uten TLS. Norsk helsenett krever amqps://; bare miljøet «local» kan bruke amqp://.',
    en: 'environments.{env}.busUrl in {source} uses amqp:// without TLS. Norsk helsenett requires amqps://; only the "local" environment may use amqp://.',
  },
  'submit.env.credentialsInUrl': {
    nb: 'environments.{env}.busUrl i {source} inneholder brukernavn eller passord. Oppgi brukeren i amqp.user; passordet skal aldri stå i konfigurasjonsfilen.',
    en: 'environments.{env}.busUrl in {source} contains a user name or password. Give the user in amqp.user; the password never belongs in the configuration file.',
  },
  'submit.env.noExchange': {
    nb: 'Finner ikke exchange for miljøet «{env}» i {source}: busUrl har ingen sti og exchange er ikke oppgitt.',
    en: 'No exchange for environment "{env}" in {source}: busUrl has no path and exchange is not given.',
  },
  'submit.env.badName': {
    nb: 'environments.{env}.{field} i {source} er ikke et gyldig navn: «{value}» (tillatt: bokstaver, sifre, _ . -).',
    en: 'environments.{env}.{field} in {source} is not a valid name: "{value}" (allowed: letters, digits, _ . -).',
  },
});

const HER_ID = /^[0-9]{1,9}$/;

/** A queue name as the Adresseregister gives it may be a full address; the queue is its last path segment. */
export function queueNameFromAddress(address: string): string {
  const trimmed = address.trim().replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash >= 0 ? trimmed.slice(slash + 1) : trimmed;
}

const QUEUE_NAME = /^[A-Za-z0-9_.\-]{1,200}$/;

/** Applies the overrides of one environment to its defaults and checks the result. */
export function resolveEnvironment(
  name: string,
  overrides: EnvironmentOverrides = {},
  /** Where the overrides came from, named in errors (normally the config file's path). */
  source = 'kpr.config.json',
): EnvironmentSettings {
  if (!isKprEnvironment(name)) {
    throw newError('submit.env.unknown', { name, valid: KPR_ENVIRONMENTS.join(', ') });
  }
  const def = ENVIRONMENT_DEFAULTS[name];
  const uncertain = def.uncertain.filter((key) => overrides[key as keyof EnvironmentOverrides] === undefined);

  const receiverHerId = (overrides.receiverHerId ?? def.receiverHerId).trim();
  checkHerId(name, 'receiverHerId', receiverHerId, source);
  const receiverServiceHerId = overrides.receiverServiceHerId?.trim() || undefined;
  if (receiverServiceHerId !== undefined) checkHerId(name, 'receiverServiceHerId', receiverServiceHerId, source);

  const busUrl = (overrides.busUrl ?? def.busUrl).trim();
  const pathExchange = exchangeFromUrl(name, busUrl, source);
  const exchange = overrides.exchange?.trim() || pathExchange;
  if (!exchange) throw newError('submit.env.noExchange', { env: name, source });
  if (!QUEUE_NAME.test(exchange)) {
    throw newError('submit.env.badName', { env: name, field: 'exchange', value: exchange, source });
  }

  const toHerId = receiverServiceHerId ?? receiverHerId;
  const receiverQueue = overrides.receiverQueue ? queueNameFromAddress(overrides.receiverQueue) : `${toHerId}_async`;
  if (!QUEUE_NAME.test(receiverQueue)) {
    throw newError('submit.env.badName', { env: name, field: 'receiverQueue', value: overrides.receiverQueue ?? '', source });
  }

  return {
    name,
    receiverHerId,
    receiverName: overrides.receiverName?.trim() || KPR_RECEIVER_NAME,
    ...(receiverServiceHerId !== undefined
      ? { receiverServiceHerId, receiverServiceName: overrides.receiverServiceName?.trim() || 'KPR' }
      : {}),
    busUrl,
    exchange,
    receiverQueue,
    toHerId,
    addressRegister: def.addressRegister,
    uncertain,
  };
}

function checkHerId(env: string, field: string, value: string, source: string): void {
  if (!HER_ID.test(value)) throw newError('submit.env.badHerId', { env, field, value, source });
}

/** Validates the URL and returns the exchange named by its path (NHN: `amqps://host:5671/<exchange>`), or ''. */
function exchangeFromUrl(env: KprEnvironment, busUrl: string, source: string): string {
  let url: URL;
  try {
    url = new URL(busUrl);
  } catch {
    throw newError('submit.env.badBusUrl', { env, source });
  }
  if (url.protocol !== 'amqps:' && url.protocol !== 'amqp:') {
    throw newError('submit.env.badBusUrl', { env, source });
  }
  if (url.username || url.password) {
    // Never echo the URL here: it may hold a password.
    throw newError('submit.env.credentialsInUrl', { env, source });
  }
  if (url.protocol === 'amqp:' && env !== 'local') throw newError('submit.env.plainAmqp', { env, source });
  return decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
}

/** All four environments with the given overrides applied. */
export function resolveEnvironments(
  overrides: Partial<Record<KprEnvironment, EnvironmentOverrides>> = {},
  source?: string,
): Record<KprEnvironment, EnvironmentSettings> {
  return {
    test: resolveEnvironment('test', overrides.test, source),
    qa: resolveEnvironment('qa', overrides.qa, source),
    prod: resolveEnvironment('prod', overrides.prod, source),
    local: resolveEnvironment('local', overrides.local, source),
  };
}
