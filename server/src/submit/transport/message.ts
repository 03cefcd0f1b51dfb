/**
 * The AMQP message shape NHN Tjenestebuss expects (DOMAIN.md §8) and the transport-error messages it puts
 * on a sender's `_error` queue. Pure functions: no I/O, so they are easy to check against the domain rules.
 */
import { defineErrors } from '../../errors';
import { assertBusName } from './address';

const err = defineErrors({
  'bus.msg.badHerId': {
    en: 'The {which} HER-id "{value}" is not a number.',
    nb: '{which}-HER-id «{value}» er ikke et tall.',
  },
  'bus.msg.badMsgId': {
    en: 'The message id "{value}" cannot be used: it must be a non-empty text without spaces (a GUID).',
    nb: 'Meldings-ID «{value}» kan ikke brukes: den må være en tekst uten mellomrom (en GUID).',
  },
  'bus.msg.badType': {
    en: 'Unknown message type "{value}"; expected KPR_IPL, KPR_IDE or APPREC.',
    nb: 'Ukjent meldingstype «{value}»; forventet KPR_IPL, KPR_IDE eller APPREC.',
  },
  'bus.msg.emptyBody': {
    en: 'The message {msgId} has an empty body; nothing to send.',
    nb: 'Meldingen {msgId} har tomt innhold; ingenting å sende.',
  },
  'bus.msg.badCpaId': {
    en: 'The CPA id "{value}" cannot be used: it must be a non-empty text without spaces.',
    nb: 'CPA-ID «{value}» kan ikke brukes: den må være en tekst uten mellomrom.',
  },
});

/** `content_type` of every payload on NHN Tjenestebuss: CMS signed, then enveloped (DOMAIN.md §7). */
export const NHN_CONTENT_TYPE = 'application/pkcs7-mime; smime-type=signed-and-enveloped-data';

export type BusMessageType = 'KPR_IPL' | 'KPR_IDE' | 'APPREC';
const TYPES: readonly string[] = ['KPR_IPL', 'KPR_IDE', 'APPREC'];

/** What `BusConnection.send` puts on the wire. Application properties are strings, as NHN requires. */
export interface OutgoingBusMessage {
  messageId: string;
  subject?: string;
  to?: string;
  replyTo?: string;
  correlationId?: string;
  contentType?: string;
  applicationProperties?: Record<string, string>;
  body: Buffer;
}

/** What a `BusConnection.receive` handler gets. */
export interface IncomingBusMessage {
  /** The queue the message was taken from. */
  queue: string;
  messageId?: string;
  subject?: string;
  to?: string;
  replyTo?: string;
  correlationId?: string;
  contentType?: string;
  /** Values as they arrived; NHN sends strings, but a foreign sender may not. */
  applicationProperties: Record<string, unknown>;
  body: Buffer;
  /** How many earlier deliveries of this message failed or were not settled (AMQP header). */
  deliveryCount: number;
  /** False when the broker says someone else may have seen the message before (a redelivery). */
  firstAcquirer: boolean;
}

export interface BuildBusMessageInput {
  /** MsgHead `MsgInfo/MsgId`: becomes AMQP message_id and correlation_id, so Apprecs and transport errors match it. */
  msgId: string;
  type: BusMessageType;
  fromHerId: string;
  toHerId: string;
  /** The receiver's queue, e.g. `8133973_async` (last path segment of its E_SB_ASYNC). */
  toQueue: string;
  /** Our own `_async` queue, where the Apprec will come. */
  replyToQueue: string;
  /** DER of the CMS EnvelopedData. */
  body: Buffer;
  cpaId?: string;
  now: Date;
}

const HER_ID = /^[0-9]{1,12}$/;
const TOKEN = /^\S+$/;

/** NHN's timestamp format (Helsenorge.Messaging: `yyyy-MM-ddTHH:mm:ssK`), always in UTC. */
export function busTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Builds the properties and application properties NHN requires for a KPR sending or an Apprec. */
export function buildBusMessage(input: BuildBusMessageInput): OutgoingBusMessage {
  if (!TYPES.includes(input.type)) throw err('bus.msg.badType', { value: String(input.type) });
  if (!input.msgId || !TOKEN.test(input.msgId)) throw err('bus.msg.badMsgId', { value: input.msgId ?? '' });
  if (!HER_ID.test(input.fromHerId)) throw err('bus.msg.badHerId', { which: 'fromHerId', value: input.fromHerId });
  if (!HER_ID.test(input.toHerId)) throw err('bus.msg.badHerId', { which: 'toHerId', value: input.toHerId });
  assertBusName(input.toQueue, 'queue');
  assertBusName(input.replyToQueue, 'queue');
  if (!Buffer.isBuffer(input.body) || input.body.length === 0) throw err('bus.msg.emptyBody', { msgId: input.msgId });
  if (input.cpaId !== undefined && !TOKEN.test(input.cpaId)) throw err('bus.msg.badCpaId', { value: input.cpaId });
  const stamp = busTimestamp(input.now);
  const applicationProperties: Record<string, string> = {
    fromHerId: input.fromHerId,
    toHerId: input.toHerId,
    applicationTimeStamp: stamp,
    enqueuedTimeUtc: stamp,
  };
  if (input.cpaId !== undefined) applicationProperties.cpaId = input.cpaId;
  return {
    messageId: input.msgId,
    correlationId: input.msgId,
    subject: input.type,
    to: input.toQueue,
    replyTo: input.replyToQueue,
    contentType: NHN_CONTENT_TYPE,
    applicationProperties,
    body: input.body,
  };
}

/** A transport error NHN reports on the sender's `_error` queue. */
export interface TransportError {
  /** The AMQP message_id of our sending, i.e. its MsgId. */
  originalMessageId: string;
  /** e.g. `transport:invalid-field-value`, `abuse:spoofing-attack`. */
  errorCondition: string;
  errorDescription: string;
  /** The error message's own id, for idempotent handling. */
  messageId?: string;
  /** Other application properties, stringified, for the record. */
  properties: Record<string, string>;
}

/** Reads a message from an `_error` queue; returns undefined if it is not a transport error report. */
export function parseTransportError(msg: Pick<IncomingBusMessage, 'applicationProperties' | 'messageId'>): TransportError | undefined {
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(msg.applicationProperties ?? {})) {
    if (v === undefined || v === null) continue;
    props[k] = Buffer.isBuffer(v) ? v.toString('utf8') : v instanceof Date ? v.toISOString() : String(v);
  }
  // Property names are matched case-insensitively: the documentation and implementations disagree on case.
  const get = (name: string): string | undefined => {
    const key = Object.keys(props).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : props[key];
  };
  const originalMessageId = get('originalMessageId');
  if (!originalMessageId) return undefined;
  const known = new Set(['originalmessageid', 'errorcondition', 'errordescription']);
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (!known.has(k.toLowerCase())) properties[k] = v;
  return {
    originalMessageId,
    errorCondition: get('errorCondition') ?? '',
    errorDescription: get('errorDescription') ?? '',
    messageId: msg.messageId,
    properties,
  };
}
