/**
 * The custom part of the protocol between the VS Code client and the language server (`kpr/<verb>`),
 * shared by both sides and the tests so the shapes cannot drift apart.
 */
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
