/**
 * CMS sign-then-encrypt, as Helsenorge.Messaging and the NHN message bus expect (DOMAIN.md §7):
 * SignedData (attached, SHA-256, RSA PKCS#1 v1.5, signer by issuer+serial, chain without root) wrapped in
 * EnvelopedData (AES-256-CBC, RSA PKCS#1 v1.5 key transport).
 *
 * A fagmelding is up to ~50 MB, so the payload only ever travels as Buffers: hashing, signing and AES run
 * in node:crypto, the ASN.1 around the payload is written and read by `der.ts` (headers only, lengths
 * known in advance), and the ciphertext is written straight into one preallocated output Buffer.
 * node-forge is used for one small thing node:crypto refuses on Node 20: RSA PKCS#1 v1.5 decryption of the
 * 16–32 byte content key (CVE-2023-46809).
 */
import * as crypto from 'node:crypto';
import forge from 'node-forge';
import { KprError, defineErrors } from '../../errors';
import {
  CertificateFields,
  LoadedCertificate,
  PrivateKeyInput,
  certificateFields,
  certificateFromDer,
  certificateLabel,
  checkKeyMatchesCertificate,
  checkKeyUsage,
  checkRsaKey,
  checkValidity,
  formatDate,
  parseName,
  toPrivateKeyObject,
} from './certificates';
import {
  DerError,
  NULL,
  TAG,
  Tlv,
  children,
  contents,
  encodeLength,
  encoding,
  octetString,
  octetStringPieces,
  octetStringValue,
  oid,
  readOid,
  readSmallInt,
  readTime,
  readTlv,
  seq,
  setOf,
  smallInt,
  time,
  want,
} from './der';
import { DIGEST_BY_OID, OID, RSA_SIGNATURE_DIGEST, oidName } from './oids';

const err = defineErrors({
  'crypto.cms.notCms': {
    en: 'The data is not a CMS message: {detail}',
    nb: 'Dataene er ikke en CMS-melding: {detail}',
  },
  'crypto.cms.notEnveloped': {
    en: 'Expected an encrypted CMS message (EnvelopedData), but got {type}.',
    nb: 'Forventet en kryptert CMS-melding (EnvelopedData), men fikk {type}.',
  },
  'crypto.cms.notForRecipient': {
    en: 'The message is not encrypted for the certificate «{subject}» (serial {serial}); it is encrypted for {recipients}. Check that the right encryption certificate and key are configured.',
    nb: 'Meldingen er ikke kryptert til sertifikatet «{subject}» (serienummer {serial}); den er kryptert til {recipients}. Kontroller at riktig krypteringssertifikat og nøkkel er satt opp.',
  },
  'crypto.cms.keyDecryptFailed': {
    en: 'The content key could not be decrypted with the private key of «{subject}» (wrong key or damaged message): {detail}',
    nb: 'Innholdsnøkkelen kunne ikke dekrypteres med den private nøkkelen til «{subject}» (feil nøkkel eller skadet melding): {detail}',
  },
  'crypto.cms.weakAlgorithm': {
    en: 'The message is encrypted with {algorithm}, which is refused because DES and 3DES are insecure; only AES-CBC is accepted.',
    nb: 'Meldingen er kryptert med {algorithm}, som avvises fordi DES og 3DES er usikre; bare AES-CBC godtas.',
  },
  'crypto.cms.unsupportedContentEncryption': {
    en: 'Unsupported content encryption algorithm {algorithm}; AES-128/192/256-CBC is accepted.',
    nb: 'Algoritmen for innholdskryptering støttes ikke: {algorithm}; AES-128/192/256-CBC godtas.',
  },
  'crypto.cms.unsupportedKeyEncryption': {
    en: 'Unsupported key transport algorithm {algorithm}; RSA PKCS#1 v1.5 and RSA-OAEP are accepted.',
    nb: 'Algoritmen for nøkkeltransport støttes ikke: {algorithm}; RSA PKCS#1 v1.5 og RSA-OAEP godtas.',
  },
  'crypto.cms.unsupportedDigest': {
    en: 'Unsupported digest algorithm {algorithm} in the signature; SHA-256, SHA-384 and SHA-512 are accepted.',
    nb: 'Sjekksumalgoritmen i signaturen støttes ikke: {algorithm}; SHA-256, SHA-384 og SHA-512 godtas.',
  },
  'crypto.cms.unsupportedSignature': {
    en: 'Unsupported signature algorithm {algorithm}; RSA PKCS#1 v1.5 and RSASSA-PSS are accepted.',
    nb: 'Signaturalgoritmen støttes ikke: {algorithm}; RSA PKCS#1 v1.5 og RSASSA-PSS godtas.',
  },
  'crypto.cms.decryptFailed': {
    en: 'The encrypted content could not be decrypted: it is damaged or was altered ({detail}).',
    nb: 'Det krypterte innholdet kunne ikke dekrypteres: det er skadet eller endret ({detail}).',
  },
  'crypto.cms.notSigned': {
    en: 'The decrypted content is not a signed CMS message (SignedData) but {type}.',
    nb: 'Det dekrypterte innholdet er ikke en signert CMS-melding (SignedData), men {type}.',
  },
  'crypto.cms.malformedSigned': {
    en: 'The signed message is malformed: {detail}. It may have been damaged or altered.',
    nb: 'Den signerte meldingen er misdannet: {detail}. Den kan være skadet eller endret.',
  },
  'crypto.cms.detached': {
    en: 'The signed message does not contain its content (detached signature).',
    nb: 'Den signerte meldingen inneholder ikke selve innholdet (løsrevet signatur).',
  },
  'crypto.cms.noSigner': {
    en: 'The message is not signed: it contains no signer information.',
    nb: 'Meldingen er ikke signert: den inneholder ingen signaturinformasjon.',
  },
  'crypto.cms.signerCertMissing': {
    en: 'The certificate of the signer ({signer}) is neither in the message nor among the expected sender certificates.',
    nb: 'Sertifikatet til den som signerte ({signer}), finnes verken i meldingen eller blant de forventede avsendersertifikatene.',
  },
  'crypto.cms.missingAttribute': {
    en: 'The signature lacks the required signed attribute {attribute}.',
    nb: 'Signaturen mangler det påkrevde signerte attributtet {attribute}.',
  },
  'crypto.cms.contentTypeMismatch': {
    en: 'The message was altered (tampered): the signed content type {signed} differs from the actual content type {actual}.',
    nb: 'Meldingen er endret (manipulert): den signerte innholdstypen {signed} er ulik den faktiske innholdstypen {actual}.',
  },
  'crypto.cms.digestMismatch': {
    en: 'The message was altered (tampered): its content does not match the signed digest (messageDigest).',
    nb: 'Meldingen er endret (manipulert): innholdet stemmer ikke med den signerte sjekksummen (messageDigest).',
  },
  'crypto.cms.signatureInvalid': {
    en: 'The signature is invalid (tampered): the signed attributes or the signature were altered, or the signature was not made with the key of «{subject}».',
    nb: 'Signaturen er ugyldig (manipulert): de signerte attributtene eller signaturen er endret, eller signaturen er ikke laget med nøkkelen til «{subject}».',
  },
  'crypto.cms.unexpectedSigner': {
    en: 'The message is signed by «{actual}» (serial {serial}), which is not the expected sender certificate ({expected}).',
    nb: 'Meldingen er signert av «{actual}» (serienummer {serial}), som ikke er det forventede avsendersertifikatet ({expected}).',
  },
  'crypto.cms.signerNotValidAtSigningTime': {
    en: 'The message was signed {signingTime} with the certificate «{subject}», which was valid only {notBefore} – {notAfter}.',
    nb: 'Meldingen ble signert {signingTime} med sertifikatet «{subject}», som bare var gyldig {notBefore} – {notAfter}.',
  },
});

// ---------------------------------------------------------------------------------------------------
// Public types

export interface Signer {
  cert: LoadedCertificate;
  key: PrivateKeyInput;
  /** Issuing CA certificates; self-signed roots are left out of the message. */
  chain?: LoadedCertificate[];
}

export interface Recipient {
  cert: LoadedCertificate;
  key: PrivateKeyInput;
}

export interface SignOptions {
  /** Value of the signingTime attribute and time the signer certificate must be valid at; default now. */
  signingTime?: Date;
  /** Time the recipient certificate must be valid at; default now. */
  now?: Date;
}

export interface VerifyOptions {
  /** The sender's signing certificate(s); when given, any other signer is refused. */
  expectedSigner?: LoadedCertificate | LoadedCertificate[];
  /** Time the signer certificate must be valid at; default now. */
  now?: Date;
}

export interface VerifiedContent {
  content: Buffer;
  signer: LoadedCertificate;
  /** The signingTime attribute, when present. */
  signingTime?: Date;
  /** eContentType, normally id-data (1.2.840.113549.1.7.1). */
  contentType: string;
}

// ---------------------------------------------------------------------------------------------------
// Writing

/**
 * A DER element whose size is known before its bytes exist, so that headers can be written in front of a
 * large payload without copying it, or in front of ciphertext that has not been produced yet.
 */
type Node = Buffer | { tag: number; items: Node[] } | { pending: number };

function nodeSize(n: Node): number {
  if (Buffer.isBuffer(n)) return n.length;
  if ('pending' in n) return n.pending;
  const inner = n.items.reduce((sum, item) => sum + nodeSize(item), 0);
  return 1 + encodeLength(inner).length + inner;
}

/** Flattens to Buffers: small pieces are merged, big ones kept by reference, `pending` becomes null. */
function flatten(n: Node, out: (Buffer | null)[] = []): (Buffer | null)[] {
  if (Buffer.isBuffer(n)) out.push(n);
  else if ('pending' in n) out.push(null);
  else {
    const inner = n.items.reduce((sum, item) => sum + nodeSize(item), 0);
    out.push(Buffer.concat([Buffer.from([n.tag]), encodeLength(inner)]));
    for (const item of n.items) flatten(item, out);
  }
  return out;
}

const node = (tag: number, ...items: Node[]): Node => ({ tag, items });

/** The two identity fields CMS uses for a certificate. */
function issuerAndSerial(f: CertificateFields): Buffer {
  return seq(f.issuer, f.serial);
}

function isSelfSigned(cert: LoadedCertificate): boolean {
  const f = certificateFields(cert.der);
  return f.subject.equals(f.issuer);
}

/**
 * Checks the signer and returns the SignedData ContentInfo as pieces whose concatenation is its DER; the
 * content is one of the pieces, not copied.
 */
function signedDataPieces(content: Buffer, signer: Signer, opts: SignOptions): Buffer[] {
  const signingTime = opts.signingTime ?? new Date();
  const key = toPrivateKeyObject(signer.key);
  checkRsaKey(key, signer.cert);
  checkKeyMatchesCertificate(key, signer.cert);
  checkValidity(signer.cert, signingTime);
  checkKeyUsage(signer.cert, 'signing');

  const digest = crypto.createHash('sha256').update(content).digest();
  const attribute = (type: string, value: Buffer) => seq(oid(type), setOf([value]));
  const signedAttrs = setOf([
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.signingTime, time(signingTime)),
    attribute(OID.messageDigest, octetString(digest)),
  ]);
  // The signature covers the attributes encoded as SET OF (RFC 5652 §5.4); they travel as [0] IMPLICIT.
  const signature = crypto.sign('sha256', signedAttrs, key);
  const signedAttrsImplicit = Buffer.concat([Buffer.from([0xa0]), signedAttrs.subarray(1)]);

  const signerFields = certificateFields(signer.cert.der);
  const signerInfo = seq(
    smallInt(1),
    issuerAndSerial(signerFields),
    seq(oid(OID.sha256)),
    signedAttrsImplicit,
    seq(oid(OID.rsaEncryption), NULL),
    octetString(signature),
  );
  const certs = [signer.cert.der];
  for (const c of signer.chain ?? []) {
    if (!isSelfSigned(c) && !certs.some((d) => d.equals(c.der))) certs.push(c.der);
  }

  const tree = node(
    TAG.SEQUENCE,
    oid(OID.signedData),
    node(
      0xa0,
      node(
        TAG.SEQUENCE,
        smallInt(1),
        setOf([seq(oid(OID.sha256))]),
        node(TAG.SEQUENCE, oid(OID.data), node(0xa0, node(TAG.OCTET_STRING, content))),
        setOf(certs, 0xa0),
        setOf([signerInfo]),
      ),
    ),
  );
  return flatten(tree) as Buffer[];
}

const ENCRYPT_SLICE = 1 << 20; // cipher.update in 1 MiB steps keeps the temporary output small

/** Checks the recipient certificate and encrypts the concatenation of `pieces` to it as EnvelopedData. */
function envelop(pieces: Buffer[], recipientCert: LoadedCertificate, opts: SignOptions): Buffer {
  const f = certificateFields(recipientCert.der);
  const publicKey = crypto.createPublicKey({ key: f.spki, format: 'der', type: 'spki' });
  checkRsaKey(publicKey, recipientCert);
  checkValidity(recipientCert, opts.now ?? new Date());
  checkKeyUsage(recipientCert, 'encryption');

  const plainLength = pieces.reduce((sum, p) => sum + p.length, 0);
  const cipherLength = (Math.floor(plainLength / 16) + 1) * 16; // PKCS#7 padding always adds 1–16 bytes
  const contentKey = crypto.randomBytes(32);
  const iv = crypto.randomBytes(16);
  const encryptedKey = crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, contentKey);

  const recipientInfo = seq(smallInt(0), issuerAndSerial(f), seq(oid(OID.rsaEncryption), NULL), octetString(encryptedKey));
  const tree = node(
    TAG.SEQUENCE,
    oid(OID.envelopedData),
    node(
      0xa0,
      node(
        TAG.SEQUENCE,
        smallInt(0),
        setOf([recipientInfo]),
        node(
          TAG.SEQUENCE,
          oid(OID.data),
          seq(oid(OID.aes256Cbc), octetString(iv)),
          node(0x80, { pending: cipherLength }), // [0] IMPLICIT OCTET STRING encryptedContent
        ),
      ),
    ),
  );
  const flat = flatten(tree);
  // The ciphertext is the very last thing in the structure, so every header precedes it.
  const headers = Buffer.concat(flat.slice(0, flat.indexOf(null)) as Buffer[]);
  const out = Buffer.allocUnsafe(headers.length + cipherLength);
  headers.copy(out, 0);
  let offset = headers.length;
  const cipher = crypto.createCipheriv('aes-256-cbc', contentKey, iv);
  for (const piece of pieces) {
    for (let i = 0; i < piece.length; i += ENCRYPT_SLICE) {
      offset += cipher.update(piece.subarray(i, i + ENCRYPT_SLICE)).copy(out, offset);
    }
  }
  offset += cipher.final().copy(out, offset);
  contentKey.fill(0);
  if (offset !== out.length) throw new Error(`internal error: ciphertext length ${offset} != ${out.length}`);
  return out;
}

/** CMS SignedData (DER ContentInfo) of `content`, signed by `signer`. */
export function sign(content: Buffer, signer: Signer, opts: SignOptions = {}): Buffer {
  return Buffer.concat(signedDataPieces(content, signer, opts));
}

/** CMS EnvelopedData (DER ContentInfo) of `data`, encrypted to `recipientCert`. */
export function encrypt(data: Buffer, recipientCert: LoadedCertificate, opts: SignOptions = {}): Buffer {
  return envelop([data], recipientCert, opts);
}

/**
 * Signs `content` and encrypts the signed message to `recipientCert`; returns DER. The signed message
 * is never assembled: its pieces go through the cipher one after another.
 */
export function signAndEncrypt(
  content: Buffer,
  signer: Signer,
  recipientCert: LoadedCertificate,
  opts: SignOptions = {},
): Buffer {
  return envelop(signedDataPieces(content, signer, opts), recipientCert, opts);
}

// ---------------------------------------------------------------------------------------------------
// Reading

function parsing<T>(fn: () => T, onDerError: (e: DerError) => KprError): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DerError) throw onDerError(e);
    throw e;
  }
}

/** Reads a ContentInfo; returns its type and its [0] EXPLICIT content. */
function readContentInfo(buf: Buffer): { type: string; content?: Tlv } {
  const top = readTlv(buf, 0);
  if (top.tag !== TAG.SEQUENCE) throw new DerError('does not start with a SEQUENCE', 0);
  if (top.end !== buf.length && !buf.subarray(top.end).every((b) => b === 0)) {
    throw new DerError('trailing data after the message', top.end);
  }
  const [typeTlv, explicit] = children(buf, top);
  const type = readOid(buf, want(typeTlv, TAG.OID, 'contentType', top.contentStart));
  if (!explicit) return { type };
  const [inner] = children(buf, want(explicit, 0xa0, 'content', typeTlv.end));
  if (!inner) throw new DerError('empty content', explicit.start);
  return { type, content: inner };
}

function contentTypeName(type: string): string {
  return oidName(type);
}

function serialHex(serialTlvEncoding: Buffer): string {
  const t = readTlv(serialTlvEncoding, 0);
  let v = contents(serialTlvEncoding, t);
  while (v.length > 1 && v[0] === 0) v = v.subarray(1);
  return v.toString('hex').toUpperCase();
}

function sameSerial(a: Buffer, b: Buffer): boolean {
  return serialHex(a) === serialHex(b);
}

function issuerCn(issuer: Buffer): string {
  try {
    const attrs = parseName(issuer);
    return attrs.find((a) => a.oid === OID.commonName)?.value ?? attrs.map((a) => a.value).join(', ');
  } catch {
    return '?';
  }
}

/** A signer or recipient identifier (IssuerAndSerialNumber or [0] SubjectKeyIdentifier). */
interface Identifier {
  describe(): string;
  matches(f: CertificateFields): boolean;
}

function readIdentifier(buf: Buffer, tlv: Tlv): Identifier {
  if (tlv.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(buf, tlv);
    const issuerBytes = encoding(buf, want(issuer, TAG.SEQUENCE, 'issuer', tlv.contentStart));
    const serialBytes = encoding(buf, want(serial, TAG.INTEGER, 'serialNumber', issuer.end));
    return {
      describe: () => `serial ${serialHex(serialBytes)} / ${issuerCn(issuerBytes)}`,
      matches: (f) => f.issuer.equals(issuerBytes) && sameSerial(f.serial, serialBytes),
    };
  }
  if (tlv.tag === 0x80) {
    const ski = contents(buf, tlv);
    return {
      describe: () => `subjectKeyIdentifier ${ski.toString('hex').toUpperCase()}`,
      matches: (f) => !!f.subjectKeyIdentifier && f.subjectKeyIdentifier.equals(ski),
    };
  }
  throw new DerError('unknown identifier choice', tlv.start);
}

const CONTENT_CIPHERS: Record<string, { name: string; keyLength: number }> = {
  [OID.aes128Cbc]: { name: 'aes-128-cbc', keyLength: 16 },
  [OID.aes192Cbc]: { name: 'aes-192-cbc', keyLength: 24 },
  [OID.aes256Cbc]: { name: 'aes-256-cbc', keyLength: 32 },
};
const REFUSED_CIPHERS = new Set<string>([OID.desCbc, OID.desEde3Cbc]);

const OAEP_HASHES: Record<string, string> = { [OID.sha1]: 'sha1', ...DIGEST_BY_OID };

/** Reads the hash of RSAES-OAEP-params; MGF1 must use the same hash, as node:crypto assumes. */
function oaepHash(buf: Buffer, params: Tlv | undefined): string | undefined {
  if (!params || params.tag === TAG.NULL) return 'sha1';
  let hash = 'sha1';
  let mgfHash = 'sha1';
  for (const field of children(buf, params)) {
    const [inner] = children(buf, field);
    if (field.tag === 0xa0) {
      const h = OAEP_HASHES[readOid(buf, children(buf, inner)[0])];
      if (!h) return undefined;
      hash = h;
    } else if (field.tag === 0xa1) {
      const [mgfOid, mgfParams] = children(buf, inner);
      if (readOid(buf, mgfOid) !== OID.mgf1 || !mgfParams) return undefined;
      const h = OAEP_HASHES[readOid(buf, children(buf, mgfParams)[0])];
      if (!h) return undefined;
      mgfHash = h;
    } else if (field.tag === 0xa2) {
      return undefined; // a non-empty OAEP label is not something node:crypto's CMS peers produce
    }
  }
  return hash === mgfHash ? hash : undefined;
}

/** RSA PKCS#1 v1.5 decryption of a small value with node-forge (node:crypto refuses it on Node 20). */
function rsaPkcs1Decrypt(key: crypto.KeyObject, data: Buffer): Buffer {
  const forgeKey = forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }) as string) as forge.pki.rsa.PrivateKey;
  return Buffer.from(forgeKey.decrypt(data.toString('binary'), 'RSAES-PKCS1-V1_5'), 'binary');
}

const DECRYPT_SLICE = 1 << 20;

/**
 * Decrypts a CMS EnvelopedData addressed to `recipient`; returns the decrypted content, with a stray
 * OCTET STRING wrapper removed (older .NET senders wrap id-data content once more).
 */
export function decrypt(der: Buffer, recipient: Recipient): Buffer {
  const key = toPrivateKeyObject(recipient.key);
  checkRsaKey(key, recipient.cert);
  checkKeyMatchesCertificate(key, recipient.cert);
  const myFields = certificateFields(recipient.cert.der);

  const notCms = (e: DerError) => err('crypto.cms.notCms', { detail: e.message }, e);
  const info = parsing(() => readContentInfo(der), notCms);
  if (info.type !== OID.envelopedData) {
    throw err('crypto.cms.notEnveloped', { type: contentTypeName(info.type) });
  }
  const parsed = parsing(() => {
    const env = want(info.content, TAG.SEQUENCE, 'EnvelopedData', 0);
    const fields = children(der, env);
    let i = 0;
    readSmallInt(der, want(fields[i++], TAG.INTEGER, 'version', env.contentStart));
    if (fields[i]?.tag === 0xa0) i++; // originatorInfo
    const ris = want(fields[i++], TAG.SET, 'recipientInfos', env.contentStart);
    const eci = want(fields[i++], TAG.SEQUENCE, 'encryptedContentInfo', ris.end);
    const recipients: { id: Identifier; alg: string; params?: Tlv; encryptedKey: Buffer }[] = [];
    const others: string[] = [];
    for (const ri of children(der, ris)) {
      if (ri.tag !== TAG.SEQUENCE) {
        others.push(`recipient type [${ri.tag & 0x1f}]`); // key agreement, KEK, password: not used by NHN
        continue;
      }
      const [version, rid, algTlv, encKey] = children(der, ri);
      readSmallInt(der, want(version, TAG.INTEGER, 'RecipientInfo version', ri.contentStart));
      const [algOid, params] = children(der, want(algTlv, TAG.SEQUENCE, 'keyEncryptionAlgorithm', rid.end));
      recipients.push({
        id: readIdentifier(der, rid),
        alg: readOid(der, algOid),
        params,
        encryptedKey: contents(der, want(encKey, TAG.OCTET_STRING, 'encryptedKey', algTlv.end)),
      });
    }
    const [ctype, calg, encContent] = children(der, eci);
    readOid(der, want(ctype, TAG.OID, 'contentType', eci.contentStart));
    const [calgOid, calgParams] = children(der, want(calg, TAG.SEQUENCE, 'contentEncryptionAlgorithm', ctype.end));
    if (!encContent) throw new DerError('no encrypted content (detached)', calg.end);
    if ((encContent.tag & 0xdf) !== 0x80) throw new DerError('encryptedContent has the wrong tag', encContent.start);
    return {
      recipients,
      others,
      cipherOid: readOid(der, calgOid),
      iv: calgParams?.tag === TAG.OCTET_STRING ? contents(der, calgParams) : undefined,
      pieces: octetStringPieces(der, encContent),
    };
  }, notCms);

  const mine = parsed.recipients.find((r) => r.id.matches(myFields));
  if (!mine) {
    const all = [...parsed.recipients.map((r) => r.id.describe()), ...parsed.others];
    throw err('crypto.cms.notForRecipient', {
      subject: certificateLabel(recipient.cert),
      serial: serialHex(myFields.serial),
      recipients: all.length ? all.join('; ') : '—',
    });
  }

  if (REFUSED_CIPHERS.has(parsed.cipherOid)) throw err('crypto.cms.weakAlgorithm', { algorithm: oidName(parsed.cipherOid) });
  const cipher = CONTENT_CIPHERS[parsed.cipherOid];
  if (!cipher) throw err('crypto.cms.unsupportedContentEncryption', { algorithm: oidName(parsed.cipherOid) });
  if (!parsed.iv || parsed.iv.length !== 16) {
    throw err('crypto.cms.notCms', { detail: 'the AES-CBC parameters do not hold a 16-byte IV' });
  }

  let contentKey: Buffer;
  const subject = certificateLabel(recipient.cert);
  try {
    if (mine.alg === OID.rsaEncryption) {
      contentKey = rsaPkcs1Decrypt(key, mine.encryptedKey);
    } else if (mine.alg === OID.rsaesOaep) {
      const hash = parsing(() => oaepHash(der, mine.params), notCms);
      if (!hash) throw err('crypto.cms.unsupportedKeyEncryption', { algorithm: 'RSA-OAEP (parameters)' });
      contentKey = crypto.privateDecrypt({ key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, mine.encryptedKey);
    } else {
      throw err('crypto.cms.unsupportedKeyEncryption', { algorithm: oidName(mine.alg) });
    }
  } catch (e) {
    if (e instanceof KprError) throw e;
    throw err('crypto.cms.keyDecryptFailed', { subject, detail: (e as Error).message }, e);
  }
  if (contentKey.length !== cipher.keyLength) {
    throw err('crypto.cms.keyDecryptFailed', {
      subject,
      detail: `the decrypted key has ${contentKey.length} bytes, ${cipher.name} needs ${cipher.keyLength}`,
    });
  }

  const total = parsed.pieces.reduce((sum, p) => sum + p.length, 0);
  if (total === 0 || total % 16 !== 0) {
    throw err('crypto.cms.decryptFailed', { detail: `ciphertext length ${total} is not a positive multiple of 16` });
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  try {
    const decipher = crypto.createDecipheriv(cipher.name, contentKey, parsed.iv);
    for (const piece of parsed.pieces) {
      for (let i = 0; i < piece.length; i += DECRYPT_SLICE) {
        offset += decipher.update(piece.subarray(i, i + DECRYPT_SLICE)).copy(out, offset);
      }
    }
    offset += decipher.final().copy(out, offset);
  } catch (e) {
    throw err('crypto.cms.decryptFailed', { detail: (e as Error).message }, e);
  } finally {
    contentKey.fill(0);
  }
  return unwrapStrayOctetString(out.subarray(0, offset));
}

function unwrapStrayOctetString(plain: Buffer): Buffer {
  if (plain.length === 0 || (plain[0] !== TAG.OCTET_STRING && plain[0] !== 0x24)) return plain;
  try {
    const t = readTlv(plain, 0);
    if (t.end === plain.length) return octetStringValue(plain, t);
  } catch {
    // Not a well-formed OCTET STRING after all: leave the content as it is.
  }
  return plain;
}

interface ParsedSignerInfo {
  sid: Identifier;
  digestOid: string;
  signedAttrs?: Tlv;
  sigOid: string;
  sigParams?: Tlv;
  signature: Buffer;
}

/**
 * Verifies a CMS SignedData with attached content and returns the content and the signer. Every signer
 * must verify; `signer` in the result is the first one.
 */
export function verify(signed: Buffer, opts: VerifyOptions = {}): VerifiedContent {
  const now = opts.now ?? new Date();
  const expected = opts.expectedSigner === undefined ? [] : Array.isArray(opts.expectedSigner) ? opts.expectedSigner : [opts.expectedSigner];
  const malformed = (e: DerError) => err('crypto.cms.malformedSigned', { detail: e.message }, e);

  const sd = parsing(() => {
    const top = readTlv(signed, 0);
    const [first] = children(signed, top);
    // Some senders encrypt the bare SignedData instead of its ContentInfo; both are accepted.
    if (first?.tag === TAG.INTEGER) return top;
    const info = readContentInfo(signed);
    if (info.type !== OID.signedData) throw err('crypto.cms.notSigned', { type: contentTypeName(info.type) });
    return want(info.content, TAG.SEQUENCE, 'SignedData', 0);
  }, malformed);

  const parsed = parsing(() => {
    const fields = children(signed, sd);
    let i = 0;
    readSmallInt(signed, want(fields[i++], TAG.INTEGER, 'version', sd.contentStart));
    want(fields[i++], TAG.SET, 'digestAlgorithms', sd.contentStart);
    const encap = want(fields[i++], TAG.SEQUENCE, 'encapContentInfo', sd.contentStart);
    const [eTypeTlv, eContentExplicit] = children(signed, encap);
    const eContentType = readOid(signed, want(eTypeTlv, TAG.OID, 'eContentType', encap.contentStart));
    let content: Buffer | undefined;
    if (eContentExplicit) {
      const [octets] = children(signed, want(eContentExplicit, 0xa0, 'eContent', eTypeTlv.end));
      if (!octets || (octets.tag & 0xdf) !== TAG.OCTET_STRING) throw new DerError('eContent is not an OCTET STRING', eContentExplicit.start);
      content = octetStringValue(signed, octets);
    }
    const certs: Buffer[] = [];
    if (fields[i]?.tag === 0xa0) {
      for (const c of children(signed, fields[i++])) {
        // Copies, so that a returned certificate does not keep the whole decrypted message alive.
        if (c.tag === TAG.SEQUENCE) certs.push(Buffer.from(encoding(signed, c)));
      }
    }
    if (fields[i]?.tag === 0xa1) i++; // CRLs
    const sis = want(fields[i++], TAG.SET, 'signerInfos', encap.end);
    const signerInfos: ParsedSignerInfo[] = children(signed, sis).map((si) => {
      const f = children(signed, want(si, TAG.SEQUENCE, 'SignerInfo', sis.contentStart));
      let j = 0;
      readSmallInt(signed, want(f[j++], TAG.INTEGER, 'SignerInfo version', si.contentStart));
      const sidTlv = f[j++];
      if (!sidTlv) throw new DerError('SignerInfo without signer identifier', si.start);
      const sid = readIdentifier(signed, sidTlv);
      const [digestOidTlv] = children(signed, want(f[j++], TAG.SEQUENCE, 'digestAlgorithm', si.contentStart));
      const signedAttrs = f[j]?.tag === 0xa0 ? f[j++] : undefined;
      const [sigOidTlv, sigParams] = children(signed, want(f[j++], TAG.SEQUENCE, 'signatureAlgorithm', si.contentStart));
      const signature = contents(signed, want(f[j++], TAG.OCTET_STRING, 'signature', si.contentStart));
      return {
        sid,
        digestOid: readOid(signed, digestOidTlv),
        signedAttrs,
        sigOid: readOid(signed, sigOidTlv),
        sigParams,
        signature,
      };
    });
    return { eContentType, content, certs, signerInfos };
  }, malformed);

  if (!parsed.content) throw err('crypto.cms.detached');
  if (parsed.signerInfos.length === 0) throw err('crypto.cms.noSigner');
  const content = parsed.content;

  let result: VerifiedContent | undefined;
  for (const si of parsed.signerInfos) {
    const signerDer =
      parsed.certs.find((d) => safeMatches(si.sid, d)) ?? expected.map((c) => c.der).find((d) => safeMatches(si.sid, d));
    if (!signerDer) throw err('crypto.cms.signerCertMissing', { signer: si.sid.describe() });
    const signer = certificateFromDer(signerDer);
    const signerFields = certificateFields(signer.der);

    const digestName = DIGEST_BY_OID[si.digestOid];
    if (!digestName) throw err('crypto.cms.unsupportedDigest', { algorithm: oidName(si.digestOid) });
    const { hash, padding, saltLength } = parsing(() => signatureScheme(signed, si, digestName), malformed);

    let signingTime: Date | undefined;
    let signedData: Buffer;
    let messageDigest: Buffer | undefined;
    if (si.signedAttrs) {
      const attrs = parsing(() => readAttributes(signed, si.signedAttrs!), malformed);
      const ct = attrs.get(OID.contentType);
      const md = attrs.get(OID.messageDigest);
      if (!ct) throw err('crypto.cms.missingAttribute', { attribute: 'contentType' });
      if (!md) throw err('crypto.cms.missingAttribute', { attribute: 'messageDigest' });
      const st = attrs.get(OID.signingTime);
      parsing(() => {
        const signedType = readOid(signed, ct);
        if (signedType !== parsed.eContentType) {
          throw err('crypto.cms.contentTypeMismatch', { signed: oidName(signedType), actual: oidName(parsed.eContentType) });
        }
        messageDigest = contents(signed, want(md, TAG.OCTET_STRING, 'messageDigest', md.start));
        if (st) signingTime = readTime(signed, st);
      }, malformed);
      // Signed over the DER of the attributes as a SET OF, not as the [0] IMPLICIT they are sent as.
      signedData = Buffer.concat([Buffer.from([TAG.SET]), signed.subarray(si.signedAttrs.start + 1, si.signedAttrs.end)]);
    } else {
      signedData = content;
    }

    const publicKey = crypto.createPublicKey({ key: signerFields.spki, format: 'der', type: 'spki' });
    let ok = false;
    try {
      ok = crypto.verify(hash, signedData, { key: publicKey, padding, saltLength }, si.signature);
    } catch {
      ok = false;
    }
    if (!ok) throw err('crypto.cms.signatureInvalid', { subject: certificateLabel(signer) });
    if (messageDigest && !crypto.createHash(digestName).update(content).digest().equals(messageDigest)) {
      throw err('crypto.cms.digestMismatch');
    }

    if (expected.length && !expected.some((c) => c.der.equals(signer.der))) {
      throw err('crypto.cms.unexpectedSigner', {
        actual: certificateLabel(signer),
        serial: serialHex(signerFields.serial),
        expected: expected.map((c) => `«${certificateLabel(c)}», serial ${serialHex(certificateFields(c.der).serial)}`).join('; '),
      });
    }
    checkKeyUsage(signer, 'signing');
    checkValidity(signer, now);
    if (signingTime && (signingTime < signerFields.notBefore || signingTime > signerFields.notAfter)) {
      throw err('crypto.cms.signerNotValidAtSigningTime', {
        signingTime: formatDate(signingTime),
        subject: certificateLabel(signer),
        notBefore: formatDate(signerFields.notBefore),
        notAfter: formatDate(signerFields.notAfter),
      });
    }
    result ??= { content, signer, signingTime, contentType: parsed.eContentType };
  }
  return result!;
}

function safeMatches(id: Identifier, der: Buffer): boolean {
  try {
    return id.matches(certificateFields(der));
  } catch {
    return false;
  }
}

function readAttributes(buf: Buffer, set: Tlv): Map<string, Tlv> {
  const out = new Map<string, Tlv>();
  for (const attr of children(buf, set)) {
    const [typeTlv, values] = children(buf, want(attr, TAG.SEQUENCE, 'Attribute', set.contentStart));
    const type = readOid(buf, typeTlv);
    const vals = children(buf, want(values, TAG.SET, 'attribute values', typeTlv.end));
    // RFC 5652 §5.3: these attributes are single-valued and must not repeat.
    if (out.has(type) || vals.length !== 1) throw new DerError(`attribute ${type} must occur once with one value`, attr.start);
    out.set(type, vals[0]);
  }
  return out;
}

function signatureScheme(
  buf: Buffer,
  si: ParsedSignerInfo,
  digestName: string,
): { hash: string; padding: number; saltLength?: number } {
  if (si.sigOid === OID.rsaEncryption) return { hash: digestName, padding: crypto.constants.RSA_PKCS1_PADDING };
  const combined = RSA_SIGNATURE_DIGEST[si.sigOid];
  if (combined) return { hash: combined, padding: crypto.constants.RSA_PKCS1_PADDING };
  if (si.sigOid === OID.rsassaPss && si.sigParams?.tag === TAG.SEQUENCE) {
    let hash = 'sha1';
    let mgfHash = 'sha1';
    let saltLength = 20;
    for (const field of children(buf, si.sigParams)) {
      const [inner] = children(buf, field);
      if (field.tag === 0xa0) hash = DIGEST_BY_OID[readOid(buf, children(buf, inner)[0])] ?? 'unsupported';
      else if (field.tag === 0xa1) {
        const [mgfOid, mgfParams] = children(buf, inner);
        mgfHash = readOid(buf, mgfOid) === OID.mgf1 && mgfParams ? (DIGEST_BY_OID[readOid(buf, children(buf, mgfParams)[0])] ?? 'x') : 'x';
      } else if (field.tag === 0xa2) saltLength = readSmallInt(buf, inner);
    }
    if (hash === digestName && mgfHash === hash) return { hash, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength };
  }
  throw err('crypto.cms.unsupportedSignature', { algorithm: oidName(si.sigOid) });
}

/**
 * Decrypts a message addressed to `recipient` and verifies its signature; see `verify` for the checks.
 */
export function decryptAndVerify(der: Buffer, recipient: Recipient, opts: VerifyOptions = {}): VerifiedContent {
  return verify(decrypt(der, recipient), opts);
}
