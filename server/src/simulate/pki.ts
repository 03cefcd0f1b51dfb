/**
 * The simulator's own throwaway test PKI, so a rehearsal needs no enterprise certificate and no NHN access.
 *
 * One folder (default `.kpr/simulator/` in the current folder) holds a self-signed test CA and four
 * certificates it issued, every name marked «TEST – KPR simulator»:
 *   - KPR's encryption certificate (keyEncipherment) and signing certificate (nonRepudiation), with their
 *     keys as PEM files only the simulator reads;
 *   - the municipality's signing and decryption certificates as PKCS#12 files, protected by generated
 *     passphrases that are kept in `secrets.env` (mode 0600) for the CLI and the extension.
 * The CA's private key is thrown away once the four certificates are issued: nothing more can be signed
 * with this CA, and nothing in the folder is worth stealing. A README.txt and a .gitignore say so.
 *
 * An existing folder is reused when every file is there and valid for at least another day; otherwise the
 * whole set is made again (an older sending encrypted to the old KPR key can then no longer be read).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { defineErrors } from '../errors';
import {
  LoadedCertificate,
  certificateFields,
  certificateFromDer,
  checkKeyMatchesCertificate,
  loadCertificate,
  loadPkcs12,
  toPrivateKeyObject,
} from '../submit/crypto/certificates';

const err = defineErrors({
  'simulate.pki.write': {
    en: 'Cannot write the simulator\'s test certificates to {dir}: {reason}',
    nb: 'Kan ikke skrive simulatorens testsertifikater til {dir}: {reason}',
  },
  'simulate.pki.notSimulatorDir': {
    en: 'The folder {dir} exists but is not a KPR simulator folder (no simulator.json). Choose an empty or new folder with --dir.',
    nb: 'Mappen {dir} finnes, men er ikke en KPR-simulatormappe (mangler simulator.json). Velg en tom eller ny mappe med --dir.',
  },
});

/** Every certificate name carries this, so no one mistakes the material for real. */
export const TEST_MARK = 'TEST – KPR simulator';
export const DEFAULT_SIMULATOR_DIR = path.join('.kpr', 'simulator');

/** Names of the files in the simulator folder. */
export const SIMULATOR_FILES = {
  manifest: 'simulator.json',
  readme: 'README.txt',
  gitignore: '.gitignore',
  secrets: 'secrets.env',
  ca: 'test-ca.crt',
  kprEncryptionCert: 'kpr-encryption.crt',
  kprEncryptionKey: 'kpr-encryption.key',
  kprSigningCert: 'kpr-signing.crt',
  kprSigningKey: 'kpr-signing.key',
  municipalitySigningP12: 'municipality-signing.p12',
  municipalitySigningCert: 'municipality-signing.crt',
  municipalityDecryptionP12: 'municipality-decryption.p12',
  municipalityDecryptionCert: 'municipality-decryption.crt',
} as const;

/** Environment variables that carry the generated secrets (the names the configuration reads). */
export const SECRET_VARS = {
  amqpPassword: 'KPR_AMQP_PASSWORD',
  signP12Passphrase: 'KPR_SIGN_P12_PASSPHRASE',
  decryptP12Passphrase: 'KPR_DECRYPT_P12_PASSPHRASE',
} as const;

/** The municipality the simulator issues certificates to (synthetic: no real HER-id or organisation). */
export interface SimulatedMunicipality {
  name: string;
  herId: string;
  serviceHerId: string;
  serviceName: string;
}

export const DEFAULT_MUNICIPALITY: Readonly<SimulatedMunicipality> = {
  name: 'Testkommune (KPR-simulator)',
  herId: '9900001',
  serviceHerId: '9900002',
  serviceName: 'Saksbehandling',
};

interface Manifest {
  kind: 'kpr-simulator';
  version: 1;
  createdAt: string;
  municipality: SimulatedMunicipality;
}

export interface KeyedCertificate {
  cert: LoadedCertificate;
  /** PKCS#8 PEM, unencrypted. */
  key: string;
  certPath: string;
  keyPath: string;
}

export interface Pkcs12Certificate {
  cert: LoadedCertificate;
  p12Path: string;
  certPath: string;
}

export interface SimulatorSecrets {
  signP12Passphrase: string;
  decryptP12Passphrase: string;
  /** The embedded endpoint's password, once one has been generated. */
  amqpPassword?: string;
}

export interface SimulatorPki {
  dir: string;
  /** True when this call made the material; false when an existing folder was reused. */
  created: boolean;
  /** Why an existing folder was not reused (empty when it was, or when there was none). */
  replacedBecause: string[];
  municipality: SimulatedMunicipality;
  ca: { cert: LoadedCertificate; certPath: string };
  kprEncryption: KeyedCertificate;
  kprSigning: KeyedCertificate;
  municipalitySigning: Pkcs12Certificate;
  municipalityDecryption: Pkcs12Certificate;
  secretsFile: string;
  /** Not enumerable, so that logging the PKI object never shows a passphrase. */
  readonly secrets: SimulatorSecrets;
}

export interface EnsurePkiOptions {
  /** Default `.kpr/simulator` under `cwd`. */
  dir?: string;
  cwd?: string;
  now?: Date;
  /** RSA modulus size; default 2048. */
  keyBits?: number;
  /** Validity of new certificates in days; default 730. */
  validDays?: number;
  municipality?: Partial<SimulatedMunicipality>;
}

const DAY = 24 * 3600 * 1000;
const OID = { C: '2.5.4.6', O: '2.5.4.10', CN: '2.5.4.3' };
const generateKeyPair = promisify(crypto.generateKeyPair);

/** Creates the test PKI in the simulator folder, or reuses what is there if it is complete and valid. */
export async function ensureSimulatorPki(opts: EnsurePkiOptions = {}): Promise<SimulatorPki> {
  const dir = path.resolve(opts.cwd ?? process.cwd(), opts.dir ?? DEFAULT_SIMULATOR_DIR);
  const now = opts.now ?? new Date();
  let replacedBecause: string[] = [];
  if (fs.existsSync(dir)) {
    const hasManifest = fs.existsSync(path.join(dir, SIMULATOR_FILES.manifest));
    if (!hasManifest && fs.readdirSync(dir).length > 0) throw err('simulate.pki.notSimulatorDir', { dir });
    if (hasManifest) {
      const loaded = loadSimulatorPki(dir, now);
      if (loaded.pki && sameParty(loaded.pki.municipality, opts.municipality)) return loaded.pki;
      replacedBecause = loaded.pki ? ['the municipality identity changed'] : loaded.problems;
    }
  }
  return createSimulatorPki(dir, now, opts, replacedBecause);
}

function sameParty(existing: SimulatedMunicipality, wanted: Partial<SimulatedMunicipality> | undefined): boolean {
  if (!wanted) return true;
  return (Object.keys(wanted) as (keyof SimulatedMunicipality)[]).every((k) => wanted[k] === undefined || wanted[k] === existing[k]);
}

/**
 * Reads and checks an existing simulator folder. Returns the PKI, or the problems that make it unusable
 * (missing file, wrong passphrase, expired or soon expiring certificate, not issued by the folder's CA…).
 */
export function loadSimulatorPki(dir: string, now = new Date()): { pki?: SimulatorPki; problems: string[] } {
  const problems: string[] = [];
  const file = (name: string) => path.join(dir, name);
  const read = (name: string): Buffer | undefined => {
    try {
      return fs.readFileSync(file(name));
    } catch {
      problems.push(`${name} is missing`);
      return undefined;
    }
  };
  let manifest: Manifest | undefined;
  try {
    manifest = JSON.parse(fs.readFileSync(file(SIMULATOR_FILES.manifest), 'utf8')) as Manifest;
    if (manifest.kind !== 'kpr-simulator' || manifest.version !== 1 || !manifest.municipality?.herId) {
      problems.push(`${SIMULATOR_FILES.manifest} is not a simulator manifest of version 1`);
      manifest = undefined;
    }
  } catch {
    problems.push(`${SIMULATOR_FILES.manifest} is unreadable`);
  }
  const secrets = readSecretsFile(file(SIMULATOR_FILES.secrets));
  const signPass = secrets[SECRET_VARS.signP12Passphrase];
  const decryptPass = secrets[SECRET_VARS.decryptP12Passphrase];
  if (!signPass || !decryptPass) problems.push(`${SIMULATOR_FILES.secrets} lacks the passphrases`);

  // A certificate must stay valid through the rehearsal: at least another day.
  const until = new Date(now.getTime() + DAY);
  const certAt = (name: string, purpose?: 'signing' | 'encryption'): LoadedCertificate | undefined => {
    const data = read(name);
    if (!data) return undefined;
    try {
      const cert = loadCertificate(data, { purpose, now });
      if (certificateFields(cert.der).notAfter < until) problems.push(`${name} expires within a day`);
      return cert;
    } catch (e) {
      problems.push(`${name}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const ca = certAt(SIMULATOR_FILES.ca);
  const keyed = (certName: string, keyName: string, purpose: 'signing' | 'encryption'): KeyedCertificate | undefined => {
    const cert = certAt(certName, purpose);
    const key = read(keyName)?.toString('utf8');
    if (!cert || !key) return undefined;
    try {
      checkKeyMatchesCertificate(toPrivateKeyObject(key), cert);
    } catch (e) {
      problems.push(`${keyName}: ${(e as Error).message}`);
      return undefined;
    }
    if (ca && !isIssuedBy(cert, ca)) problems.push(`${certName} is not issued by ${SIMULATOR_FILES.ca}`);
    const out = { cert, certPath: file(certName), keyPath: file(keyName) } as KeyedCertificate;
    // Not enumerable: printing or logging the PKI must not show a private key, even a throwaway one.
    Object.defineProperty(out, 'key', { value: key, enumerable: false });
    return out;
  };
  const p12 = (p12Name: string, certName: string, pass: string | undefined, purpose: 'signing' | 'encryption'): Pkcs12Certificate | undefined => {
    const data = read(p12Name);
    if (!data || !pass) return undefined;
    try {
      const bundle = loadPkcs12(data, pass, { purpose, now });
      if (certificateFields(bundle.certificate.der).notAfter < until) problems.push(`${p12Name} expires within a day`);
      if (ca && !isIssuedBy(bundle.certificate, ca)) problems.push(`${p12Name} is not issued by ${SIMULATOR_FILES.ca}`);
      if (!fs.existsSync(file(certName))) fs.writeFileSync(file(certName), bundle.certificate.pem);
      return { cert: bundle.certificate, p12Path: file(p12Name), certPath: file(certName) };
    } catch (e) {
      problems.push(`${p12Name}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const kprEncryption = keyed(SIMULATOR_FILES.kprEncryptionCert, SIMULATOR_FILES.kprEncryptionKey, 'encryption');
  const kprSigning = keyed(SIMULATOR_FILES.kprSigningCert, SIMULATOR_FILES.kprSigningKey, 'signing');
  const municipalitySigning = p12(SIMULATOR_FILES.municipalitySigningP12, SIMULATOR_FILES.municipalitySigningCert, signPass, 'signing');
  const municipalityDecryption = p12(SIMULATOR_FILES.municipalityDecryptionP12, SIMULATOR_FILES.municipalityDecryptionCert, decryptPass, 'encryption');

  if (problems.length > 0 || !manifest || !ca || !kprEncryption || !kprSigning || !municipalitySigning || !municipalityDecryption) {
    return { problems: problems.length ? problems : ['incomplete'] };
  }
  const pki = {
    dir,
    created: false,
    replacedBecause: [],
    municipality: manifest.municipality,
    ca: { cert: ca, certPath: file(SIMULATOR_FILES.ca) },
    kprEncryption,
    kprSigning,
    municipalitySigning,
    municipalityDecryption,
    secretsFile: file(SIMULATOR_FILES.secrets),
  } as Omit<SimulatorPki, 'secrets'>;
  defineSecrets(pki, {
    signP12Passphrase: signPass!,
    decryptP12Passphrase: decryptPass!,
    ...(secrets[SECRET_VARS.amqpPassword] ? { amqpPassword: secrets[SECRET_VARS.amqpPassword] } : {}),
  });
  return { pki: pki as SimulatorPki, problems: [] };
}

async function createSimulatorPki(dir: string, now: Date, opts: EnsurePkiOptions, replacedBecause: string[]): Promise<SimulatorPki> {
  const bits = opts.keyBits ?? 2048;
  const validDays = opts.validDays ?? 730;
  const municipality: SimulatedMunicipality = { ...DEFAULT_MUNICIPALITY, ...definedOnly(opts.municipality ?? {}) };
  const notBefore = new Date(now.getTime() - DAY);
  const notAfter = new Date(now.getTime() + validDays * DAY);

  const [caKeys, kprEnc, kprSig, munSig, munDec] = await Promise.all([0, 1, 2, 3, 4].map(() => newKeyPair(bits)));
  const caSubject = [attr(OID.C, 'NO'), attr(OID.O, TEST_MARK), attr(OID.CN, `Test-CA (${TEST_MARK})`)];
  const caCert = makeCertificate({ subject: caSubject, publicKeyPem: caKeys.publicPem, notBefore, notAfter, ca: true, keyUsage: ['keyCertSign', 'cRLSign'], issuer: { keyPem: caKeys.privatePem } });
  const issue = (org: string, cn: string, keyPem: string, usage: 'nonRepudiation' | 'keyEncipherment') =>
    makeCertificate({
      subject: [attr(OID.C, 'NO'), attr(OID.O, org), attr(OID.CN, cn)],
      publicKeyPem: keyPem,
      notBefore,
      notAfter,
      ca: false,
      keyUsage: [usage],
      issuer: { keyPem: caKeys.privatePem, cert: caCert },
    });
  const kprOrg = `KPR (${TEST_MARK})`;
  const munOrg = `${municipality.name} (${TEST_MARK})`;
  const kprEncCert = issue(kprOrg, `KPR kryptering (${TEST_MARK})`, kprEnc.publicPem, 'keyEncipherment');
  const kprSigCert = issue(kprOrg, `KPR signering (${TEST_MARK})`, kprSig.publicPem, 'nonRepudiation');
  const munSigCert = issue(munOrg, `Kommune signering (${TEST_MARK})`, munSig.publicPem, 'nonRepudiation');
  const munDecCert = issue(munOrg, `Kommune kryptering (${TEST_MARK})`, munDec.publicPem, 'keyEncipherment');

  const previous = readSecretsFile(path.join(dir, SIMULATOR_FILES.secrets));
  const secrets: SimulatorSecrets = {
    signP12Passphrase: newSecret(),
    decryptP12Passphrase: newSecret(),
    // The endpoint's password has nothing to do with the certificates: keep it, so running clients stay valid.
    ...(previous[SECRET_VARS.amqpPassword] ? { amqpPassword: previous[SECRET_VARS.amqpPassword] } : {}),
  };

  const file = (name: string) => path.join(dir, name);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    fs.writeFileSync(file(SIMULATOR_FILES.readme), readmeText(municipality));
    // Nothing in here belongs in a repository: the keys are throwaway, but they are keys.
    fs.writeFileSync(file(SIMULATOR_FILES.gitignore), '# TEST – KPR simulator: throwaway test material, never commit it.\n*\n');
    writeSecretsFile(file(SIMULATOR_FILES.secrets), secrets);
    writePem(file(SIMULATOR_FILES.ca), caCert);
    writePem(file(SIMULATOR_FILES.kprEncryptionCert), kprEncCert);
    writePem(file(SIMULATOR_FILES.kprSigningCert), kprSigCert);
    writePem(file(SIMULATOR_FILES.municipalitySigningCert), munSigCert);
    writePem(file(SIMULATOR_FILES.municipalityDecryptionCert), munDecCert);
    writePrivate(file(SIMULATOR_FILES.kprEncryptionKey), kprEnc.privatePem);
    writePrivate(file(SIMULATOR_FILES.kprSigningKey), kprSig.privatePem);
    writePrivate(file(SIMULATOR_FILES.municipalitySigningP12), pkcs12(munSig.privatePem, munSigCert, caCert, secrets.signP12Passphrase, 'Kommune signering (TEST)'));
    writePrivate(file(SIMULATOR_FILES.municipalityDecryptionP12), pkcs12(munDec.privatePem, munDecCert, caCert, secrets.decryptP12Passphrase, 'Kommune kryptering (TEST)'));
    const manifest: Manifest = { kind: 'kpr-simulator', version: 1, createdAt: now.toISOString(), municipality };
    fs.writeFileSync(file(SIMULATOR_FILES.manifest), JSON.stringify(manifest, null, 2) + '\n');
  } catch (e) {
    throw err('simulate.pki.write', { dir, reason: (e as NodeJS.ErrnoException).code ?? String(e) }, e);
  }

  const loaded = loadSimulatorPki(dir, now);
  // What was just written must read back; anything else is a bug in this module, not a user error.
  if (!loaded.pki) throw new Error(`simulator PKI does not read back: ${loaded.problems.join('; ')}`);
  return Object.assign(loaded.pki, { created: true, replacedBecause });
}

/** True when `cert` names `ca` as its issuer and carries a valid signature by `ca`'s key. */
export function isIssuedBy(cert: LoadedCertificate, ca: LoadedCertificate): boolean {
  try {
    const x = new crypto.X509Certificate(cert.der);
    const issuer = new crypto.X509Certificate(ca.der);
    return x.checkIssued(issuer) && x.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------------------------ secrets file

/** Reads `KEY=value` lines (comments with #); a missing or unreadable file gives {}. */
export function readSecretsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim().replace(/^'(.*)'$/, '$1');
  }
  return out;
}

/** Writes the secrets as a shell-sourceable file, readable by its owner only (0600). */
export function writeSecretsFile(file: string, secrets: SimulatorSecrets): void {
  const lines = [
    `# ${TEST_MARK}: generated passphrases for the throwaway test certificates in this folder.`,
    '# Never use these certificates or this file for real data. Load into a shell with:',
    `#   set -a; . ${file}; set +a`,
    `${SECRET_VARS.signP12Passphrase}=${secrets.signP12Passphrase}`,
    `${SECRET_VARS.decryptP12Passphrase}=${secrets.decryptP12Passphrase}`,
  ];
  if (secrets.amqpPassword) lines.push(`${SECRET_VARS.amqpPassword}=${secrets.amqpPassword}`);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, lines.join('\n') + '\n', { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Makes sure the PKI has an AMQP password for the embedded endpoint; generates and stores one if not. */
export function ensureAmqpPassword(pki: SimulatorPki): string {
  if (pki.secrets.amqpPassword) return pki.secrets.amqpPassword;
  const secrets = { ...pki.secrets, amqpPassword: newSecret() };
  writeSecretsFile(pki.secretsFile, secrets);
  defineSecrets(pki, secrets);
  return secrets.amqpPassword;
}

/** A random passphrase: 144 bits, URL-safe base64, nothing a shell would interpret. */
export function newSecret(): string {
  return crypto.randomBytes(18).toString('base64url');
}

function defineSecrets(target: object, secrets: SimulatorSecrets): void {
  const frozen = Object.freeze({ ...secrets });
  Object.defineProperty(target, 'secrets', { value: frozen, enumerable: false, configurable: true });
}

// ------------------------------------------------------------------------------------------ certificates

interface NameAttr {
  type: string;
  value: string;
  valueTagClass?: forge.asn1.Class;
}

function attr(type: string, value: string): NameAttr {
  // UTF8String for names (the en dash and æøå), PrintableString for the country code.
  return type === OID.C ? { type, value } : { type, value, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class };
}

async function newKeyPair(bits: number): Promise<{ privatePem: string; publicPem: string }> {
  const { privateKey, publicKey } = await generateKeyPair('rsa', { modulusLength: bits });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

function makeCertificate(spec: {
  subject: NameAttr[];
  publicKeyPem: string;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  keyUsage: Array<'keyCertSign' | 'cRLSign' | 'nonRepudiation' | 'keyEncipherment'>;
  issuer: { keyPem: string; cert?: forge.pki.Certificate };
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKeyPem);
  // 16 random bytes with the top bit cleared: a positive serial of the size real CAs use.
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject(spec.subject as forge.pki.CertificateField[]);
  cert.setIssuer(spec.issuer.cert ? spec.issuer.cert.subject.attributes : (spec.subject as forge.pki.CertificateField[]));
  const exts: object[] = [
    { name: 'basicConstraints', cA: spec.ca, critical: true },
    { name: 'keyUsage', critical: true, ...Object.fromEntries(spec.keyUsage.map((u) => [u, true])) },
    { name: 'subjectKeyIdentifier' },
  ];
  if (spec.issuer.cert) {
    exts.push({ name: 'authorityKeyIdentifier', keyIdentifier: spec.issuer.cert.generateSubjectKeyIdentifier().getBytes() });
  }
  cert.setExtensions(exts as never[]);
  cert.sign(forge.pki.privateKeyFromPem(spec.issuer.keyPem), forge.md.sha256.create());
  return cert;
}

function derOf(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

function writePem(file: string, cert: forge.pki.Certificate): void {
  fs.writeFileSync(file, certificateFromDer(derOf(cert)).pem);
}

function writePrivate(file: string, data: string | Buffer): void {
  fs.writeFileSync(file, data, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** PKCS#12 with AES-256 (PBES2) key and certificate bags and the CA certificate, readable by loadPkcs12 and OpenSSL. */
function pkcs12(keyPem: string, cert: forge.pki.Certificate, ca: forge.pki.Certificate, passphrase: string, friendlyName: string): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(keyPem), [cert, ca], passphrase, {
    algorithm: 'aes256',
    generateLocalKeyId: true,
    friendlyName,
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

function definedOnly<T extends object>(o: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readmeText(m: SimulatedMunicipality): string {
  return `${TEST_MARK}
${'='.repeat(TEST_MARK.length)}

NORSK: Denne mappen er laget av «kpr simulate». Alt her er TESTMATERIALE for en lokal
øving uten tilgang til Norsk helsenett: et test-CA, KPRs test-sertifikater og test-sertifikater
for «${m.name}» (HER-id ${m.herId}, tjeneste ${m.serviceHerId}). Sertifikatene er
ikke utstedt av Buypass eller Commfides og gjelder ingen virkelig virksomhet.

  * Send ALDRI ekte data (ekte fødselsnumre, ekte fagmeldinger) til simulatoren.
  * Bruk ALDRI disse sertifikatene eller nøklene mot Norsk helsenett eller KPR.
  * secrets.env inneholder de genererte passordene; den kan bare leses av eieren.
  * Mappen kan slettes når som helst; «kpr simulate» lager alt på nytt.

ENGLISH: This folder was made by "kpr simulate". Everything in it is TEST MATERIAL for a local
rehearsal without access to Norsk helsenett: a test CA, KPR's test certificates and test
certificates for "${m.name}". None of it was issued by Buypass or Commfides.

  * NEVER send real data (real fødselsnumre, real extracts) to the simulator.
  * NEVER use these certificates or keys with Norsk helsenett or KPR.
  * secrets.env holds the generated passphrases; only its owner can read it.
  * The CA's private key was discarded after issuing the four certificates.
  * Delete the folder at any time; "kpr simulate" makes everything again.
`;
}
