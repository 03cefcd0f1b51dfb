/**
 * The "KPR" output channel. Every line the extension or the language client writes to it (server logs,
 * errors, and the LSP message trace, which carries whole documents and the secrets of `kpr/submit`) goes
 * through maskLogText first (masking.ts), so a fødselsnummer or a secret never reaches the log.
 */
import * as vscode from 'vscode';
import { maskLogArg, maskLogText, SecretRegistry } from './masking';

/** Wraps a log channel so that everything written to it is masked. */
export function maskedLogChannel(inner: vscode.LogOutputChannel, secrets?: SecretRegistry): vscode.LogOutputChannel {
  const m = (s: string) => maskLogText(s, secrets);
  const a = (x: unknown) => maskLogArg(x, secrets);
  return {
    get name() {
      return inner.name;
    },
    get logLevel() {
      return inner.logLevel;
    },
    onDidChangeLogLevel: inner.onDidChangeLogLevel,
    trace: (message: string, ...args: unknown[]) => inner.trace(m(message), ...args.map(a)),
    debug: (message: string, ...args: unknown[]) => inner.debug(m(message), ...args.map(a)),
    info: (message: string, ...args: unknown[]) => inner.info(m(message), ...args.map(a)),
    warn: (message: string, ...args: unknown[]) => inner.warn(m(message), ...args.map(a)),
    error: (error: string | Error, ...args: unknown[]) => inner.error(a(error), ...args.map(a)),
    append: (value: string) => inner.append(m(value)),
    appendLine: (value: string) => inner.appendLine(m(value)),
    replace: (value: string) => inner.replace(m(value)),
    clear: () => inner.clear(),
    show: (preserveFocusOrColumn?: boolean | vscode.ViewColumn, preserveFocus?: boolean) =>
      typeof preserveFocusOrColumn === 'boolean' || preserveFocusOrColumn === undefined
        ? inner.show(preserveFocusOrColumn)
        : inner.show(preserveFocusOrColumn, preserveFocus),
    hide: () => inner.hide(),
    dispose: () => inner.dispose(),
  };
}
