/**
 * Enterprise certificates (virksomhetssertifikater) for signing and encrypting KPR messages.
 *
 * A municipality usually holds its Buypass/Commfides certificates as PKCS#12 files (.p12/.pfx), one for
 * signing (key usage nonRepudiation) and one for encryption (keyEncipherment); the receiver's
 * certificates come as PEM or DER files. This module loads them, checks what a user can get wrong
 * (passphrase, wrong file, expired, wrong certificate for the job, key from another certificate) and
 * describes a certificate for the settings UI. node-forge reads PKCS#12; everything else is parsed with
 * the small DER reader so that what is checked is exactly what is in the file.
 */
import * as crypto from 'node:crypto';
import forge from 'node-forge';
import { defineErrors } from '../../errors';
import {
  DerError,
  TAG,
  Tlv,
  children,
  contents,
  encoding,
  octetStringValue,
  readOid,
  readSmallInt,
  readTime,
  readTlv,
  want,
} from './der';
import { OID, oidName } from './oids';

const err = defineErrors({
  'crypto.p12.notPkcs12': {
    en: 'The file is not a PKCS#12 certificate file (.p12/.pfx): {detail}',
    nb: 'Filen er ikke en PKCS#12-sertifikatfil (.p12/.pfx): {detail}',
  },
  'crypto.p12.wrongPassphrase': {
    en: 'Wrong passphrase for the PKCS#12 file.',
    nb: 'Feil passord for PKCS#12-filen.',
  },
  'crypto.p12.unreadable': {
    en: 'The PKCS#12 file could not be read although the passphrase is right: {detail}',
    nb: 'PKCS#12-filen kunne ikke leses selv om passordet er riktig: {detail}',
  },
  'crypto.p12.unsupportedMac': {
    en: 'The PKCS#12 file is protected with an unsupported integrity algorithm {algorithm}. Export it again with a SHA-256 or SHA-1 MAC.',
    nb: 'PKCS#12-filen er beskyttet med en integritetsalgoritme som ikke støttes ({algorithm}). Eksporter den på nytt med SHA-256- eller SHA-1-MAC.',
  },
  'crypto.p12.noPrivateKey': {
    en: 'The PKCS#12 file contains no private key, only certificates. Use the file that was delivered with the private key.',
    nb: 'PKCS#12-filen inneholder ingen privat nøkkel, bare sertifikater. Bruk filen som ble levert med den private nøkkelen.',
  },
  'crypto.p12.noCertificateForKey': {
    en: 'The PKCS#12 file contains a private key but no certificate that belongs to it.',
    nb: 'PKCS#12-filen inneholder en privat nøkkel, men ikke sertifikatet som hører til den.',
  },
  'crypto.cert.notCertificate': {
    en: 'The file is not an X.509 certificate in PEM or DER format: {detail}',
    nb: 'Filen er ikke et X.509-sertifikat i PEM- eller DER-format: {detail}',
  },
  'crypto.cert.unsupportedKey': {
    en: 'The certificate «{subject}» has a {type} key; only RSA keys can be used for KPR messages.',
    nb: 'Sertifikatet «{subject}» har en {type}-nøkkel; bare RSA-nøkler kan brukes for KPR-meldinger.',
  },
  'crypto.cert.expired': {
    en: 'The certificate «{subject}» expired on {notAfter} (valid {notBefore} – {notAfter}).',
    nb: 'Sertifikatet «{subject}» gikk ut {notAfter} (gyldig {notBefore} – {notAfter}).',
  },
  'crypto.cert.notYetValid': {
    en: 'The certificate «{subject}» is not valid until {notBefore} (valid {notBefore} – {notAfter}).',
    nb: 'Sertifikatet «{subject}» er ikke gyldig før {notBefore} (gyldig {notBefore} – {notAfter}).',
  },
  'crypto.cert.wrongUsageSigning': {
    en: 'The certificate «{subject}» cannot be used for signing: signing needs key usage nonRepudiation or digitalSignature, but the certificate has {usages}. Is it the encryption certificate?',
    nb: 'Sertifikatet «{subject}» kan ikke brukes til signering: signering krever nøkkelbruk nonRepudiation eller digitalSignature, men sertifikatet har {usages}. Er det krypteringssertifikatet?',
  },
  'crypto.cert.wrongUsageEncryption': {
    en: 'The certificate «{subject}» cannot be used for encryption: encryption needs key usage keyEncipherment, but the certificate has {usages}. Is it the signing certificate?',
    nb: 'Sertifikatet «{subject}» kan ikke brukes til kryptering: kryptering krever nøkkelbruk keyEncipherment, men sertifikatet har {usages}. Er det signeringssertifikatet?',
  },
  'crypto.cert.keyMismatch': {
    en: 'The private key does not belong to the certificate «{subject}».',
    nb: 'Den private nøkkelen hører ikke til sertifikatet «{subject}».',
  },
  'crypto.key.unreadable': {
    en: 'The private key could not be read (wrong passphrase or not a private key): {detail}',
    nb: 'Den private nøkkelen kunne ikke leses (feil passord eller ikke en privat nøkkel): {detail}',
  },
});

/** A certificate in the three forms the engine needs. */
export interface LoadedCertificate {
  /**
   * node-forge's view (RSA certificates only), for code that works with forge. Note that forge leaves
   * UTF8String name values as raw UTF-8 bytes ('Ã\x98' for 'Ø'): use describeCertificate for names.
   */
  forge: forge.pki.Certificate;
  pem: string;
  /** The certificate exactly as issued; CMS copies issuer and serial from these bytes. */
  der: Buffer;
}

/** A certificate with its private key, as loaded from a PKCS#12 file. */
export interface CertificateBundle {
  certificate: LoadedCertificate;
  /** PKCS#8 PEM, unencrypted, usable by node:crypto (`crypto.createPrivateKey`) and node-forge. */
  privateKey: string;
  /** The other certificates in the file, issuer of `certificate` first, root (if present) last. */
  chain: LoadedCertificate[];
}

/** What a certificate is for: signing messages, or encryption (encrypting to it / decrypting with it). */
export type CertificatePurpose = 'signing' | 'encryption';

export interface CertificateCheckOptions {
  /** Check the key usage for this purpose. */
  purpose?: CertificatePurpose;
  /** Time to check validity at; default now. */
  now?: Date;
  /** Check notBefore/notAfter (default true). The settings UI turns it off to describe an expired file. */
  checkDates?: boolean;
}

export type PrivateKeyInput = string | Buffer | crypto.KeyObject;

export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsage = (typeof KEY_USAGE_NAMES)[number];

// ---------------------------------------------------------------------------------------------------
// Parsing the parts of a certificate that CMS and the checks need

/** Fields of a certificate, parsed from its DER; the Buffers are views into `der`. */
export interface CertificateFields {
  /** The serialNumber INTEGER, complete encoding. */
  serial: Buffer;
  /** The issuer Name, complete encoding. */
  issuer: Buffer;
  subject: Buffer;
  /** SubjectPublicKeyInfo, complete encoding. */
  spki: Buffer;
  publicKeyAlgorithm: string;
  notBefore: Date;
  notAfter: Date;
  /** undefined when the certificate has no keyUsage extension (then no usage is restricted, RFC 5280). */
  keyUsage?: KeyUsage[];
  subjectKeyIdentifier?: Buffer;
}

const fieldCache = new WeakMap<Buffer, CertificateFields>();

/** Parses the fields of a DER certificate; throws DerError when it is malformed. */
export function certificateFields(der: Buffer): CertificateFields {
  const cached = fieldCache.get(der);
  if (cached) return cached;
  const cert = readTlv(der, 0);
  if (cert.tag !== TAG.SEQUENCE || cert.end !== der.length) throw new DerError('not a certificate', 0);
  const [tbsTlv] = children(der, cert);
  const tbs = children(der, want(tbsTlv, TAG.SEQUENCE, 'TBSCertificate', cert.contentStart));
  let i = 0;
  if (tbs[0]?.tag === 0xa0) i++; // [0] EXPLICIT version
  const serial = want(tbs[i++], TAG.INTEGER, 'serialNumber', tbsTlv.contentStart);
  want(tbs[i++], TAG.SEQUENCE, 'signature algorithm', serial.end);
  const issuer = want(tbs[i++], TAG.SEQUENCE, 'issuer', serial.end);
  const validity = children(der, want(tbs[i++], TAG.SEQUENCE, 'validity', issuer.end));
  const subject = want(tbs[i++], TAG.SEQUENCE, 'subject', issuer.end);
  const spki = want(tbs[i++], TAG.SEQUENCE, 'subjectPublicKeyInfo', subject.end);
  const [spkiAlg] = children(der, spki);
  const [algOid] = children(der, want(spkiAlg, TAG.SEQUENCE, 'public key algorithm', spki.contentStart));
  const fields: CertificateFields = {
    serial: encoding(der, serial),
    issuer: encoding(der, issuer),
    subject: encoding(der, subject),
    spki: encoding(der, spki),
    publicKeyAlgorithm: readOid(der, algOid),
    notBefore: readTime(der, present(validity[0], 'notBefore', issuer.end)),
    notAfter: readTime(der, present(validity[1], 'notAfter', issuer.end)),
  };
  const extWrapper = tbs.slice(i).find((t) => t.tag === 0xa3); // [3] EXPLICIT extensions
  if (extWrapper) {
    const [extSeq] = children(der, extWrapper);
    for (const ext of children(der, want(extSeq, TAG.SEQUENCE, 'extensions', extWrapper.contentStart))) {
      const parts = children(der, ext);
      const id = readOid(der, parts[0]);
      const value = parts[parts.length - 1];
      if (id === OID.keyUsage) fields.keyUsage = parseKeyUsage(contents(der, value));
      if (id === OID.subjectKeyIdentifier) {
        const inner = readTlv(der, value.contentStart, value.contentEnd);
        fields.subjectKeyIdentifier = contents(der, inner);
      }
    }
  }
  fieldCache.set(der, fields);
  return fields;
}

function present(tlv: Tlv | undefined, what: string, at: number): Tlv {
  if (!tlv) throw new DerError(`missing ${what}`, at);
  return tlv;
}

function parseKeyUsage(extValue: Buffer): KeyUsage[] {
  const bits = readTlv(extValue, 0);
  if (bits.tag !== TAG.BIT_STRING) throw new DerError('keyUsage is not a BIT STRING', 0);
  const bytes = extValue.subarray(bits.contentStart + 1, bits.contentEnd); // skip the unused-bits octet
  const out: KeyUsage[] = [];
  KEY_USAGE_NAMES.forEach((name, bit) => {
    const byte = bytes[bit >> 3] ?? 0;
    if (byte & (0x80 >> (bit & 7))) out.push(name);
  });
  return out;
}

/** One attribute of a distinguished name, decoded to text. */
export interface NameAttribute {
  oid: string;
  /** Short name (CN, O, C, …) or the OID. */
  type: string;
  value: string;
}

const SHORT_NAMES: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.serialNumber]: 'serialNumber',
  [OID.countryName]: 'C',
  [OID.localityName]: 'L',
  [OID.organizationName]: 'O',
  [OID.organizationalUnitName]: 'OU',
  [OID.organizationIdentifier]: 'organizationIdentifier',
  [OID.emailAddress]: 'emailAddress',
  '2.5.4.8': 'ST',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'GN',
};

/** Decodes a Name (issuer or subject) in encoding order. */
export function parseName(name: Buffer): NameAttribute[] {
  const out: NameAttribute[] = [];
  const top = readTlv(name, 0);
  for (const rdn of children(name, top)) {
    for (const atv of children(name, rdn)) {
      const [typeTlv, valueTlv] = children(name, atv);
      const id = readOid(name, typeTlv);
      out.push({ oid: id, type: SHORT_NAMES[id] ?? id, value: decodeString(name, valueTlv) });
    }
  }
  return out;
}

function decodeString(buf: Buffer, tlv: Tlv): string {
  const raw = contents(buf, tlv);
  switch (tlv.tag) {
    case TAG.UTF8_STRING:
      return raw.toString('utf8');
    case TAG.BMP_STRING:
      return Buffer.from(raw).swap16().toString('utf16le');
    case TAG.UNIVERSAL_STRING: {
      let s = '';
      for (let i = 0; i + 3 < raw.length; i += 4) s += String.fromCodePoint(raw.readUInt32BE(i));
      return s;
    }
    default:
      // PrintableString, IA5String, TeletexString (in practice Latin-1), VisibleString.
      return raw.toString('latin1');
  }
}

/** "CN=…, O=…, C=NO" (most specific first, as RFC 4514 prints it). */
export function formatName(attrs: NameAttribute[]): string {
  return [...attrs]
    .reverse()
    .map((a) => `${a.type}=${a.value}`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------------
// Loading

/** Wraps a DER certificate; throws a KprError when it is not one or its key is not RSA. */
export function certificateFromDer(der: Buffer): LoadedCertificate {
  let fields: CertificateFields;
  try {
    fields = certificateFields(der);
    new crypto.X509Certificate(der); // OpenSSL's opinion too, so that a file forge and we accept is valid
  } catch (e) {
    throw err('crypto.cert.notCertificate', { detail: (e as Error).message }, e);
  }
  if (fields.publicKeyAlgorithm !== OID.rsaEncryption) {
    throw err('crypto.cert.unsupportedKey', {
      subject: certificateLabelFromFields(fields),
      type: oidName(fields.publicKeyAlgorithm),
    });
  }
  let forgeCert: forge.pki.Certificate;
  try {
    forgeCert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))));
  } catch (e) {
    throw err('crypto.cert.notCertificate', { detail: (e as Error).message }, e);
  }
  return { forge: forgeCert, pem: toPem('CERTIFICATE', der), der };
}

function toPem(type: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${type}-----\n${b64}-----END ${type}-----\n`;
}

const PEM_CERT = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;

/** All certificates in a PEM file (one or more blocks) or a single DER certificate. */
export function loadCertificates(data: Buffer | string): LoadedCertificate[] {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  if (text.includes('-----BEGIN')) {
    const out: LoadedCertificate[] = [];
    for (const m of text.matchAll(PEM_CERT)) out.push(certificateFromDer(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')));
    if (out.length === 0) throw err('crypto.cert.notCertificate', { detail: 'no CERTIFICATE block in the PEM file' });
    return out;
  }
  if (typeof data === 'string') throw err('crypto.cert.notCertificate', { detail: 'no PEM header' });
  return [certificateFromDer(data)];
}

/** The first (leaf) certificate of a PEM or DER file, checked as `opts` asks. */
export function loadCertificate(data: Buffer | string, opts: CertificateCheckOptions = {}): LoadedCertificate {
  const cert = loadCertificates(data)[0];
  checkCertificate(cert, opts);
  return cert;
}

/** Reads a private key (PEM PKCS#1/PKCS#8, encrypted PEM with `passphrase`, or DER PKCS#8) as PKCS#8 PEM. */
export function loadPrivateKey(data: Buffer | string, passphrase?: string): string {
  try {
    const text = typeof data === 'string' ? data : data.toString('latin1');
    const key = text.includes('-----BEGIN')
      ? crypto.createPrivateKey({ key: text, passphrase })
      : crypto.createPrivateKey({ key: data as Buffer, format: 'der', type: 'pkcs8', passphrase });
    return key.export({ type: 'pkcs8', format: 'pem' }) as string;
  } catch (e) {
    throw err('crypto.key.unreadable', { detail: (e as Error).message }, e);
  }
}

/** A node:crypto private key from any accepted form. */
export function toPrivateKeyObject(key: PrivateKeyInput): crypto.KeyObject {
  if (key instanceof crypto.KeyObject) {
    if (key.type !== 'private') throw err('crypto.key.unreadable', { detail: `a ${key.type} key was given` });
    return key;
  }
  try {
    return crypto.createPrivateKey(key);
  } catch (e) {
    throw err('crypto.key.unreadable', { detail: (e as Error).message }, e);
  }
}

/**
 * Loads a PKCS#12 file: the certificate that has the private key, the key, and the other certificates.
 *
 * Both what OpenSSL 3 writes by default (PBES2/PBKDF2/AES-256-CBC, SHA-256 MAC) and the legacy format
 * (3DES/RC2, SHA-1 MAC) written by older tools and Windows are read. The MAC is checked here rather than
 * by forge so that a wrong passphrase is told apart from a damaged file, and because forge hashes a
 * non-ASCII passphrase differently for the MAC (BMPString) and for PBES2 (bytes), see `decodeWithForge`.
 */
export function loadPkcs12(data: Buffer, passphrase: string, opts: CertificateCheckOptions = {}): CertificateBundle {
  let pfx: forge.asn1.Asn1;
  let macState: 'ok' | 'absent';
  try {
    pfx = forge.asn1.fromDer(forge.util.createBuffer(data.toString('binary')), false);
  } catch (e) {
    throw err('crypto.p12.notPkcs12', { detail: (e as Error).message }, e);
  }
  try {
    macState = verifyPkcs12Mac(data, passphrase);
  } catch (e) {
    if (e instanceof DerError) throw err('crypto.p12.notPkcs12', { detail: e.message }, e);
    throw e;
  }
  const p12 = decodeWithForge(pfx, passphrase, macState);

  const keys: crypto.KeyObject[] = [];
  for (const type of [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]) {
    for (const bag of p12.getBags({ bagType: type })[type] ?? []) {
      if (bag.key) {
        keys.push(crypto.createPrivateKey(forge.pki.privateKeyToPem(bag.key)));
      } else if (bag.asn1) {
        // forge reads RSA keys only; let node:crypto read the others so the error can name the key type.
        const der = Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary');
        keys.push(crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
      }
    }
  }
  if (keys.length === 0) throw err('crypto.p12.noPrivateKey');

  const certDers: Buffer[] = [];
  for (const bag of p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []) {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    if (asn1) certDers.push(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'));
  }

  for (const key of keys) {
    const spki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
    const leafDer = certDers.find((der) => {
      try {
        return certificateFields(der).spki.equals(spki);
      } catch {
        return false;
      }
    });
    if (!leafDer) continue;
    const certificate = certificateFromDer(leafDer);
    checkCertificate(certificate, opts);
    const chain = orderChain(
      certificate,
      certDers.filter((d) => d !== leafDer),
    );
    return { certificate, privateKey: key.export({ type: 'pkcs8', format: 'pem' }) as string, chain };
  }
  throw err('crypto.p12.noCertificateForKey');
}

function decodeWithForge(pfx: forge.asn1.Asn1, passphrase: string, macState: 'ok' | 'absent'): forge.pkcs12.Pkcs12Pfx {
  // The MAC is verified already; forge would check it again with its own password conversion.
  const stripped: forge.asn1.Asn1 = { ...pfx, value: (pfx.value as forge.asn1.Asn1[]).slice(0, 2) };
  // forge feeds the passphrase to PBKDF2 as a "binary string" (one byte per char) but to the PKCS#12 KDF
  // as UTF-16; OpenSSL uses UTF-8 bytes for PBES2. So a non-ASCII passphrase is tried both ways.
  const variants = [passphrase];
  if (/[^\x00-\x7f]/.test(passphrase)) variants.push(forge.util.encodeUtf8(passphrase));
  let last: unknown;
  for (const pass of variants) {
    try {
      return forge.pkcs12.pkcs12FromAsn1(stripped, false, pass);
    } catch (e) {
      last = e;
    }
  }
  const detail = (last as Error)?.message ?? String(last);
  if (macState === 'absent') throw err('crypto.p12.wrongPassphrase', {}, last);
  throw err('crypto.p12.unreadable', { detail }, last);
}

const MAC_DIGESTS: Record<string, { forge: () => forge.md.MessageDigest; node: string; size: number }> = {
  [OID.sha1]: { forge: () => forge.md.sha1.create(), node: 'sha1', size: 20 },
  [OID.sha256]: { forge: () => forge.md.sha256.create(), node: 'sha256', size: 32 },
  [OID.sha384]: { forge: () => forge.md.sha384.create(), node: 'sha384', size: 48 },
  [OID.sha512]: { forge: () => forge.md.sha512.create(), node: 'sha512', size: 64 },
};

/** Checks the PFX MAC (RFC 7292 §4 / appendix B); 'absent' when the file has none. */
function verifyPkcs12Mac(der: Buffer, passphrase: string): 'ok' | 'absent' {
  const top = readTlv(der, 0);
  if (top.tag !== TAG.SEQUENCE) throw new DerError('not a PFX SEQUENCE', 0);
  const [version, authSafe, macData] = children(der, top);
  if (readSmallInt(der, want(version, TAG.INTEGER, 'version', top.contentStart)) !== 3) {
    throw new DerError('not PKCS#12 version 3', version.start);
  }
  const [ctype, explicit] = children(der, want(authSafe, TAG.SEQUENCE, 'authSafe', version.end));
  if (readOid(der, ctype) !== OID.data) {
    // Public-key integrity mode (signed PFX) is not used by certificate vendors.
    throw new DerError('authSafe is not of type data', ctype.start);
  }
  const [octets] = children(der, want(explicit, 0xa0, 'authSafe content', ctype.end));
  const authOctets = present(octets, 'authSafe octets', explicit.contentStart);
  if ((authOctets.tag & 0xdf) !== TAG.OCTET_STRING) throw new DerError('authSafe content is not an OCTET STRING', authOctets.start);
  const signedBytes = octetStringValue(der, authOctets);
  if (!macData) return 'absent';

  const [digestInfo, saltTlv, iterTlv] = children(der, want(macData, TAG.SEQUENCE, 'macData', authSafe.end));
  const [algId, digestTlv] = children(der, want(digestInfo, TAG.SEQUENCE, 'mac', macData.contentStart));
  const [algOid] = children(der, want(algId, TAG.SEQUENCE, 'mac algorithm', digestInfo.contentStart));
  const algorithm = readOid(der, algOid);
  const digest = MAC_DIGESTS[algorithm];
  if (!digest) throw err('crypto.p12.unsupportedMac', { algorithm: algorithm === OID.pbmac1 ? `PBMAC1 (${algorithm})` : oidName(algorithm) });
  const expected = contents(der, want(digestTlv, TAG.OCTET_STRING, 'mac digest', algId.end));
  const salt = contents(der, want(saltTlv, TAG.OCTET_STRING, 'mac salt', digestInfo.end));
  const iterations = iterTlv ? readSmallInt(der, iterTlv) : 1;
  if (iterations < 1 || iterations > 10_000_000) throw new DerError('implausible MAC iteration count', iterTlv.start);

  // OpenSSL writes an empty passphrase either as an empty BMPString or as no password at all.
  const candidates: (string | null)[] = passphrase === '' ? ['', null] : [passphrase];
  for (const pass of candidates) {
    const key = forge.pkcs12.generateKey(
      pass,
      forge.util.createBuffer(salt.toString('binary')),
      3,
      iterations,
      digest.size,
      digest.forge(),
    );
    const mac = crypto.createHmac(digest.node, Buffer.from(key.getBytes(), 'binary')).update(signedBytes).digest();
    if (mac.length === expected.length && crypto.timingSafeEqual(mac, expected)) return 'ok';
  }
  throw err('crypto.p12.wrongPassphrase');
}

/** Orders CA certificates from the leaf's issuer upwards; the ones that do not chain go last. */
function orderChain(leaf: LoadedCertificate, others: Buffer[]): LoadedCertificate[] {
  const rest = [...others];
  const out: Buffer[] = [];
  let issuer = certificateFields(leaf.der).issuer;
  for (;;) {
    const idx = rest.findIndex((d) => safeFields(d)?.subject.equals(issuer));
    if (idx < 0) break;
    const [next] = rest.splice(idx, 1);
    out.push(next);
    const f = certificateFields(next);
    if (f.subject.equals(f.issuer)) break;
    issuer = f.issuer;
  }
  out.push(...rest);
  const loaded: LoadedCertificate[] = [];
  for (const der of out) {
    try {
      loaded.push(certificateFromDer(der));
    } catch {
      // A CA certificate forge cannot read (e.g. an EC root) is not needed for RSA CMS; leave it out.
    }
  }
  return loaded;
}

function safeFields(der: Buffer): CertificateFields | undefined {
  try {
    return certificateFields(der);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// Checks

/** Runs the checks `opts` asks for: dates (default on) and key usage (when a purpose is given). */
export function checkCertificate(cert: LoadedCertificate, opts: CertificateCheckOptions = {}): void {
  if (opts.checkDates !== false) checkValidity(cert, opts.now ?? new Date());
  if (opts.purpose) checkKeyUsage(cert, opts.purpose);
}

/** Throws crypto.cert.expired / notYetValid when `at` is outside the certificate's validity. */
export function checkValidity(cert: LoadedCertificate, at: Date): void {
  const f = certificateFields(cert.der);
  const args = { subject: certificateLabel(cert), notBefore: formatDate(f.notBefore), notAfter: formatDate(f.notAfter) };
  if (at.getTime() > f.notAfter.getTime()) throw err('crypto.cert.expired', args);
  if (at.getTime() < f.notBefore.getTime()) throw err('crypto.cert.notYetValid', args);
}

/** Whether the certificate's key usage allows `purpose` (no keyUsage extension allows everything). */
export function allowsPurpose(cert: LoadedCertificate, purpose: CertificatePurpose): boolean {
  const usage = certificateFields(cert.der).keyUsage;
  if (!usage) return true;
  return purpose === 'signing'
    ? usage.includes('nonRepudiation') || usage.includes('digitalSignature')
    : usage.includes('keyEncipherment');
}

export function checkKeyUsage(cert: LoadedCertificate, purpose: CertificatePurpose): void {
  if (allowsPurpose(cert, purpose)) return;
  const usages = certificateFields(cert.der).keyUsage ?? [];
  const args = { subject: certificateLabel(cert), usages: usages.length ? usages.join(', ') : '—' };
  throw err(purpose === 'signing' ? 'crypto.cert.wrongUsageSigning' : 'crypto.cert.wrongUsageEncryption', args);
}

/** Throws crypto.cert.keyMismatch unless `key` is the private key of `cert`. */
export function checkKeyMatchesCertificate(key: crypto.KeyObject, cert: LoadedCertificate): void {
  const spki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!spki.equals(certificateFields(cert.der).spki)) {
    throw err('crypto.cert.keyMismatch', { subject: certificateLabel(cert) });
  }
}

/** Throws crypto.cert.unsupportedKey for a non-RSA key. */
export function checkRsaKey(key: crypto.KeyObject, cert: LoadedCertificate): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw err('crypto.cert.unsupportedKey', { subject: certificateLabel(cert), type: key.asymmetricKeyType ?? 'unknown' });
  }
}

// ---------------------------------------------------------------------------------------------------
// Describing

export interface CertificateDescription {
  subject: {
    commonName?: string;
    organization?: string;
    /** Norwegian organisation number (9 digits) from serialNumber or organizationIdentifier NTRNO-…. */
    organizationNumber?: string;
    country?: string;
    /** The whole name, "CN=…, O=…, C=NO". */
    dn: string;
  };
  issuer: { commonName?: string; organization?: string; dn: string };
  /** Serial number, upper-case hex. */
  serialNumber: string;
  validFrom: Date;
  validTo: Date;
  /** Key usages present; undefined when the certificate has no keyUsage extension (all usages allowed). */
  keyUsages?: KeyUsage[];
  usableForSigning: boolean;
  usableForEncryption: boolean;
  keyAlgorithm: string;
  keyBits?: number;
  /** SHA-256 of the DER, upper-case hex with colons, as certificate viewers show it. */
  fingerprintSha256: string;
}

/** What the settings UI shows about a certificate. */
export function describeCertificate(cert: LoadedCertificate): CertificateDescription {
  const f = certificateFields(cert.der);
  const subject = parseName(f.subject);
  const issuer = parseName(f.issuer);
  const first = (attrs: NameAttribute[], oid: string) => attrs.find((a) => a.oid === oid)?.value;
  const serialBytes = contents(f.serial, readTlv(f.serial, 0));
  let keyBits: number | undefined;
  try {
    keyBits = crypto.createPublicKey({ key: f.spki, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength;
  } catch {
    keyBits = undefined;
  }
  return {
    subject: {
      commonName: first(subject, OID.commonName),
      organization: first(subject, OID.organizationName),
      organizationNumber: organizationNumberOf(subject),
      country: first(subject, OID.countryName),
      dn: formatName(subject),
    },
    issuer: {
      commonName: first(issuer, OID.commonName),
      organization: first(issuer, OID.organizationName),
      dn: formatName(issuer),
    },
    serialNumber: (serialBytes[0] === 0 && serialBytes.length > 1 ? serialBytes.subarray(1) : serialBytes).toString('hex').toUpperCase(),
    validFrom: f.notBefore,
    validTo: f.notAfter,
    keyUsages: f.keyUsage,
    usableForSigning: allowsPurpose(cert, 'signing'),
    usableForEncryption: allowsPurpose(cert, 'encryption'),
    keyAlgorithm: f.publicKeyAlgorithm === OID.rsaEncryption ? 'RSA' : oidName(f.publicKeyAlgorithm),
    keyBits,
    fingerprintSha256: crypto
      .createHash('sha256')
      .update(cert.der)
      .digest('hex')
      .toUpperCase()
      .replace(/(..)(?!$)/g, '$1:'),
  };
}

function organizationNumberOf(subject: NameAttribute[]): string | undefined {
  for (const a of subject) {
    if (a.oid === OID.organizationIdentifier) {
      const m = a.value.match(/^NTRNO-?(\d{9})$/i);
      if (m) return m[1];
    }
  }
  for (const a of subject) {
    // Buypass and Commfides put the organisation number in serialNumber; sometimes prefixed.
    if (a.oid === OID.serialNumber) {
      const m = a.value.match(/^(?:NTRNO-?)?(\d{9})$/i);
      if (m) return m[1];
    }
  }
  return undefined;
}

/** A short name for messages: the CN, with the organisation when it adds something. */
export function certificateLabel(cert: LoadedCertificate): string {
  return certificateLabelFromFields(certificateFields(cert.der));
}

function certificateLabelFromFields(f: CertificateFields): string {
  try {
    const attrs = parseName(f.subject);
    const cn = attrs.find((a) => a.oid === OID.commonName)?.value;
    const o = attrs.find((a) => a.oid === OID.organizationName)?.value;
    if (cn && o && !cn.toLowerCase().includes(o.toLowerCase())) return `${cn}, ${o}`;
    return cn ?? o ?? formatName(attrs);
  } catch {
    return '?';
  }
}

/** "2025-03-01 12:00 UTC": unambiguous in both languages. */
export function formatDate(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
