/**
 * The custom part of the protocol between the VS Code client and the language server (`kpr/<verb>`),
 * shared by both sides and the tests so the shapes cannot drift apart.
 */
import type { JournalState } from '../submit/journal';
import type { Diagnostic } from 'vscode-languageserver';
import type { DocumentKind } from '../analysis/types';

/** What the client passes in `initializationOptions`. */
export interface KprInitializationOptions {
  /** VS Code's display language (vscode.env.language), used when `kpr.language` is 'auto'. */
  locale?: string;
  /** A URI ending in '/' where docs/rules/<code>.md are found (the extension's own copy). */
  docsBaseUri?: string;
}

export interface SeverityCounts {
  error: number;
  warning: number;
  information: number;
  hint: number;
}

/** `kpr/checkFile`: checks a file on disk, e.g. one too large for the editor to open. */
export const CHECK_FILE_REQUEST = 'kpr/checkFile';

export interface CheckFileParams {
  /** A file: URI. */
  uri: string;
}

export interface CheckFileResult {
  uri: string;
  kind: DocumentKind;
  /** The encoding the file was read in. */
  encoding: string;
  diagnostics: Diagnostic[];
  counts: SeverityCounts;
  stats: { records: number; ms: number; hiddenFindings: number; bytes: number };
}

/** `kpr/status`: sent after each analysis of an open document (not for 'unchanged' answers). */
export const STATUS_NOTIFICATION = 'kpr/status';

export interface StatusParams {
  uri: string;
  version: number;
  kind: DocumentKind;
  /** True when the payload sits inside a Hodemelding. */
  envelope: boolean;
  ms: number;
  records: number;
  counts: SeverityCounts;
  /** Findings beyond `kpr.maxFindings`, not shown. */
  hiddenFindings: number;
}

/** The code action kind of "fix everything that has a safe fix". */
export const FIX_ALL_KIND = 'source.fixAll.kpr';

// -------------------------------------------------------------------------------------------------------
// Submission: pre-flight, sending, the journal, the Apprec listener and the report (lsp/submission.ts).
// Secrets travel only inside the requests that need them; the server keeps them in memory for as long as a
// listener needs to reconnect, never on disk and never in a log.

/** The environments a sending can go to (server/src/submit/environments.ts). */
export type SubmissionEnvironment = 'test' | 'qa' | 'prod' | 'local';

/** The secrets a sending or a listener may need, from the client's SecretStorage. */
export interface SubmissionSecrets {
  amqpPassword?: string;
  signP12Passphrase?: string;
  decryptP12Passphrase?: string;
}

export type SecretName = keyof SubmissionSecrets;

/** One secret the configuration needs, and the key the client keeps it under. */
export interface SecretRequirement {
  name: SecretName;
  /**
   * Stable per thing protected (the PKCS#12 file's path, the AMQP user at its host), so a passphrase follows
   * its file and one password serves every environment on the same bus.
   */
  id: string;
  /** What it is, in the server's language ("Passordet til signerings-PKCS#12-filen"). */
  label: string;
  /** The file or account it belongs to, for the prompt (no secret in it). */
  detail: string;
}

/** `kpr/config`: the municipality's configuration for one environment, without secrets. */
export const CONFIG_REQUEST = 'kpr/config';

export interface ConfigParams {
  env: SubmissionEnvironment;
  /** A file or folder URI whose workspace folder's settings apply; default the first workspace folder. */
  scopeUri?: string;
}

export type ConfigSource = 'settings' | 'file' | 'local-receiver' | 'none';

export interface ConfigInfo {
  env: SubmissionEnvironment;
  sourceKind: ConfigSource;
  /** The config file, "VS Code settings (kpr.*)" or the local receiver's folder. */
  source: string;
  /** Why the configuration cannot be used, in plain words; absent when it can. */
  error?: string;
  municipality?: { name: string; orgNumber?: string; herId: string; serviceHerId: string; serviceName: string };
  target?: { receiverHerId: string; busUrl: string; exchange: string; receiverQueue: string; uncertain: string[] };
  amqpUser?: string;
  certificates?: { signingP12?: string; decryptionP12?: string; caFile?: string; kprEncryptionCert?: string; kprSigningCert?: string };
  journalPath?: string;
  /** Settings a sending to this environment lacks (e.g. 'certificates.signingP12'). */
  missingSettings: string[];
  /** Secrets the client must send with kpr/submit and kpr/listen (empty for the built-in local receiver). */
  secrets: SecretRequirement[];
}

/** `kpr/candidates`: which of the given files are fagmeldinger/identmeldinger (reads only their beginning). */
export const CANDIDATES_REQUEST = 'kpr/candidates';

export interface CandidatesParams {
  uris: string[];
}

export interface Candidate {
  uri: string;
  kind: 'fagmelding' | 'identmelding';
  /** Løpenummer (iiLopenr / Melding@lopenr) when it is near the top of the file. */
  lopenr?: string;
  /** True when the payload is wrapped in a Hodemelding already (it cannot be sent as it is). */
  envelope: boolean;
}

/** `kpr/preflight`: checks the files as a sending would, without sending anything. */
export const PREFLIGHT_REQUEST = 'kpr/preflight';

export interface PreflightParams {
  uris: string[];
  env: SubmissionEnvironment;
}

export interface PreflightFile {
  uri: string;
  /** The file name (person numbers masked). */
  name: string;
  /** Set when the file cannot be sent at all (not a payload, already in a Hodemelding, unreadable). */
  error?: string;
  type?: 'KPR_IPL' | 'KPR_IDE';
  counts: SeverityCounts;
  /** The same findings as Diagnostics, for the Problems panel. */
  diagnostics: Diagnostic[];
  persons?: number;
  services?: number;
  idents?: number;
  testUsers?: number;
  /** Reporting period as written (YYYYMMDD). */
  period?: { from?: string; to?: string };
  lopenr?: string;
  sha256?: string;
  size?: number;
  /** An earlier sending of the same content to the same environment that still waits for its Apprec. */
  pending?: { msgId: string; createdAt: string; sentAt?: string; state: string };
}

export interface PreflightResult {
  env: SubmissionEnvironment;
  files: PreflightFile[];
  /** Problems with the set of files (two fagmeldinger, nothing to send), in plain words. */
  problems: string[];
  config: ConfigInfo;
}

/** `kpr/submit`: checks, packs, signs, encrypts and sends; progress comes as `kpr/submitProgress`. */
export const SUBMIT_REQUEST = 'kpr/submit';

export interface SubmitParams {
  /** Chosen by the client; names this run in the progress notifications. */
  submissionId: string;
  uris: string[];
  env: SubmissionEnvironment;
  /** Send although the same content still waits for its Apprec in this environment. */
  force?: boolean;
  /** The files' SHA-256 as the pre-flight saw them: a file changed since is refused, not sent unseen. */
  expectedSha256?: Record<string, string>;
  secrets: SubmissionSecrets;
  /** Start listening for the Apprecs of this environment after sending (default true). */
  listen?: boolean;
}

export type SubmitPhaseName = 'checking' | 'packing' | 'recorded' | 'sending' | 'sent' | 'failed';

export const SUBMIT_PROGRESS_NOTIFICATION = 'kpr/submitProgress';

export interface SubmitProgressParams {
  submissionId: string;
  phase: SubmitPhaseName | 'starting-local-receiver';
  env: SubmissionEnvironment;
  /** The file name (masked). */
  file?: string;
  type?: 'KPR_IPL' | 'KPR_IDE';
  msgId?: string;
  index: number;
  total: number;
  /** False from the moment a message is handed to the bus: cancelling can no longer stop it. */
  cancellable: boolean;
  /** One line in plain words, in the server's language. */
  message: string;
}

export type SendingOutcomeState = 'sent' | 'failed' | 'unconfirmed' | 'cancelled' | 'not-attempted';

export interface SubmitOutcome {
  uri: string;
  name: string;
  type: 'KPR_IPL' | 'KPR_IDE';
  msgId?: string;
  state: SendingOutcomeState;
  error?: string;
}

export interface SubmitResult {
  env: SubmissionEnvironment;
  /** True when every sending was accepted by the broker. */
  ok: boolean;
  /** Set when nothing was sent: why, in plain words. */
  refused?: string;
  /**
   * The message key of the refusal, so the client can react: 'journal.resendRefused' (offer to force),
   * 'crypto.p12.wrongPassphrase' / 'bus.auth' (ask for the secret again), 'submit.checkErrors', 'submit.cancelled'.
   */
  refusedKey?: string;
  /** With a wrong secret: which one. */
  badSecret?: SecretName;
  sendings: SubmitOutcome[];
  /** True when the server now listens for this environment's Apprecs. */
  listening: boolean;
}

/** `kpr/journal`: every sending the journals know, newest first. */
export const JOURNAL_REQUEST = 'kpr/journal';

export interface JournalParams {
  scopeUri?: string;
}

/** A sending's state, as the journal keeps it (type-only: the client bundle gets no journal code). */
export type SendingState = JournalState;

export interface ApprecErrorInfo {
  code: string;
  /** The code's meaning (code list 8221) in the server's language, or the text the Apprec carries. */
  text?: string;
  /** The receiver's own words (OT), person numbers masked. */
  details?: string;
  rule?: string;
  location?: string;
}

export interface ApprecInfo {
  receivedAt: string;
  /** 1 OK, 2 Avvist, 3 OK with errors (list 8258). */
  status: string;
  apprecId?: string;
  /** The type the Apprec names (KPR_IPL, KPR_IDE, or KPR_HOM). */
  originalMsgType?: string;
  issueDate?: string;
  genDate?: string;
  sender?: { name?: string; herId?: string };
  errors: ApprecErrorInfo[];
  /** The receipt's XML as received (person numbers masked). */
  raw: string;
}

export interface TransportErrorInfo {
  receivedAt: string;
  errorCondition: string;
  errorDescription: string;
}

export interface SendingInfo {
  msgId: string;
  /** The file as it was sent (absolute path). */
  file: string;
  type: 'KPR_IPL' | 'KPR_IDE';
  env: string;
  state: SendingState;
  createdAt: string;
  updatedAt: string;
  sentAt?: string;
  toHerId?: string;
  size?: number;
  forced: boolean;
  failure?: { at: string; reason: string };
  apprecs: ApprecInfo[];
  transportErrors: TransportErrorInfo[];
  /** The journal file it is recorded in. */
  journal: string;
}

export interface JournalResult {
  sendings: SendingInfo[];
  journals: string[];
  /** Damaged lines and the like, in plain words. */
  problems: string[];
}

/** `kpr/listen`: starts or stops listening for Apprecs and transport errors of one environment. */
export const LISTEN_REQUEST = 'kpr/listen';

export interface ListenParams {
  env: SubmissionEnvironment;
  action: 'start' | 'stop';
  secrets?: SubmissionSecrets;
  scopeUri?: string;
}

export type ListenerConnection = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'stopped';

export const LISTENER_STATE_NOTIFICATION = 'kpr/listenerState';

export interface ListenerStateParams {
  env: SubmissionEnvironment;
  state: ListenerConnection;
  /** Why it is not connected, in plain words (no secret in it). */
  reason?: string;
  badSecret?: SecretName;
  /** Whose signatures are accepted on Apprecs, in plain words. */
  trust?: string;
}

export const APPREC_RECEIVED_NOTIFICATION = 'kpr/apprecReceived';

export interface ApprecReceivedParams {
  env: SubmissionEnvironment;
  kind: 'apprec' | 'transport-error' | 'unmatched' | 'quarantined';
  msgId?: string;
  /** The sending's state after the receipt. */
  state?: SendingState;
  /** The file that was sent (name only). */
  file?: string;
  type?: string;
  /** One sentence in the server's language. */
  message: string;
  /** False when the same receipt had been applied before. */
  isNew: boolean;
}

/** `kpr/sendingsChanged`: the journal changed (a sending recorded, sent, answered): read it again. */
export const SENDINGS_CHANGED_NOTIFICATION = 'kpr/sendingsChanged';

/** `kpr/validateCertificate`: reads a certificate file and says, in plain words, whether it can do its job. */
export const VALIDATE_CERTIFICATE_REQUEST = 'kpr/validateCertificate';

export interface ValidateCertificateParams {
  /** A file path (absolute, or relative to the scope's workspace folder). */
  path: string;
  /** 'signing'/'decryption': the municipality's PKCS#12; 'kpr-encryption'/'kpr-signing': KPR's certificate. */
  role: 'signing' | 'decryption' | 'kpr-encryption' | 'kpr-signing';
  passphrase?: string;
  scopeUri?: string;
}

export interface CertificateSummary {
  subject: string;
  organization?: string;
  organizationNumber?: string;
  issuer: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  keyUsages?: string[];
  fingerprintSha256: string;
}

export interface ValidateCertificateResult {
  ok: boolean;
  /** The absolute path that was read. */
  path: string;
  certificate?: CertificateSummary;
  /** What is wrong, in plain words. */
  problems: string[];
  /** Things to know that do not stop it (expires within 30 days). */
  notes: string[];
  /** The passphrase was refused (so the client asks again rather than storing it). */
  wrongPassphrase?: boolean;
  /** For a PKCS#12 file: the id its passphrase is kept under (SecretRequirement.id). */
  secretId?: string;
}

/** `kpr/report`: the submission report of a fagmelding and/or identmelding. */
export const REPORT_REQUEST = 'kpr/report';

export interface ReportParams {
  uris: string[];
}

export type { ReportModel } from '../report/report';
