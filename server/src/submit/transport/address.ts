/**
 * The service bus address a user configures: `amqps://USER@HOST:PORT/EXCHANGE` (NHN Tjenestebuss) or
 * `amqp://USER@localhost:PORT/EXCHANGE` (a local test broker). The password never lives in the URL.
 */
import { isIP } from 'node:net';
import { defineErrors } from '../../errors';
import { maskForLog } from '../../privacy';

const err = defineErrors({
  'bus.url.invalid': {
    en: 'The service bus address "{url}" is not a valid URL. Expected amqps://USER@HOST:PORT/EXCHANGE.',
    nb: 'Tjenestebuss-adressen «{url}» er ikke en gyldig URL. Forventet amqps://BRUKER@VERT:PORT/EXCHANGE.',
  },
  'bus.url.scheme': {
    en: 'The service bus address must start with amqps:// (or amqp:// for a broker on this machine), not "{scheme}".',
    nb: 'Tjenestebuss-adressen må begynne med amqps:// (eller amqp:// for en megler på denne maskinen), ikke «{scheme}».',
  },
  'bus.url.plainNotLoopback': {
    en: 'Unencrypted amqp:// is only allowed to a broker on this machine; use amqps:// for {host}.',
    nb: 'Ukryptert amqp:// er bare tillatt mot en megler på denne maskinen; bruk amqps:// for {host}.',
  },
  'bus.url.password': {
    en: 'The service bus address must not contain a password; give the password separately (it is stored in the secret store).',
    nb: 'Tjenestebuss-adressen skal ikke inneholde et passord; oppgi passordet separat (det lagres i det sikre passordlageret).',
  },
  'bus.url.noUser': {
    en: 'The service bus address has no user name. Expected amqps://USER@HOST:PORT/EXCHANGE.',
    nb: 'Tjenestebuss-adressen mangler brukernavn. Forventet amqps://BRUKER@VERT:PORT/EXCHANGE.',
  },
  'bus.url.noExchange': {
    en: 'The service bus address names no exchange; its path must be the exchange, e.g. amqps://USER@tb.test.nhn.no:5671/NHNTESTServiceBus.',
    nb: 'Tjenestebuss-adressen angir ingen exchange; stien må være exchange-navnet, f.eks. amqps://BRUKER@tb.test.nhn.no:5671/NHNTESTServiceBus.',
  },
  'bus.url.badName': {
    en: 'The {what} "{name}" contains characters that cannot be used in a service bus address.',
    nb: '{what} «{name}» inneholder tegn som ikke kan brukes i en tjenestebuss-adresse.',
  },
});

export interface BusAddress {
  /** true for amqps:// (TLS). */
  tls: boolean;
  host: string;
  port: number;
  user: string;
  exchange: string;
  /** The address as shown to a user and in logs: no password, ever. */
  display: string;
}

const NAME_OK = /^[A-Za-z0-9._:\-]+$/;

/** True for names and literals that can only mean this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Checks a queue or exchange name before it is put in a link address like `/exchange/<ex>/<queue>`. */
export function assertBusName(name: string, what: 'queue' | 'exchange'): void {
  if (!NAME_OK.test(name)) throw err('bus.url.badName', { what, name: maskForLog(name) });
}

/** Parses and checks a service bus URL; throws a KprError a user can act on. */
export function parseBusUrl(url: string): BusAddress {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw err('bus.url.invalid', { url: maskForLog(url) });
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'amqps' && scheme !== 'amqp') throw err('bus.url.scheme', { scheme });
  if (u.password) throw err('bus.url.password');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw err('bus.url.invalid', { url: maskForLog(url) });
  const tls = scheme === 'amqps';
  if (!tls && !isLoopbackHost(host)) throw err('bus.url.plainNotLoopback', { host });
  const user = decodeURIComponent(u.username);
  if (!user) throw err('bus.url.noUser');
  const exchange = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (!exchange) throw err('bus.url.noExchange');
  assertBusName(exchange, 'exchange');
  const port = u.port ? Number(u.port) : tls ? 5671 : 5672;
  const display = `${scheme}://${encodeURIComponent(user)}@${u.hostname}:${port}/${exchange}`;
  return { tls, host, port, user, exchange, display };
}
