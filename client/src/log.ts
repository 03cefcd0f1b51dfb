/**
 * The "KPR" output channel. Every line the extension or the language client writes to it (server logs,
 * errors, and the LSP message trace, which carries whole documents) goes through maskForLog first, so
 * a fødselsnummer or a secret never reaches the log.
 */
import * as vscode from 'vscode';
import { maskForLog } from '../../server/src/privacy';

function maskArg(a: unknown): string {
  if (a instanceof Error) return maskForLog(a.stack ?? a.message);
  if (typeof a === 'string') return maskForLog(a);
  try {
    return maskForLog(JSON.stringify(a));
  } catch {
    return maskForLog(String(a));
  }
}

/** Wraps a log channel so that everything written to it is masked. */
export function maskedLogChannel(inner: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return {
    get name() {
      return inner.name;
    },
    get logLevel() {
      return inner.logLevel;
    },
    onDidChangeLogLevel: inner.onDidChangeLogLevel,
    trace: (message: string, ...args: unknown[]) => inner.trace(maskForLog(message), ...args.map(maskArg)),
    debug: (message: string, ...args: unknown[]) => inner.debug(maskForLog(message), ...args.map(maskArg)),
    info: (message: string, ...args: unknown[]) => inner.info(maskForLog(message), ...args.map(maskArg)),
    warn: (message: string, ...args: unknown[]) => inner.warn(maskForLog(message), ...args.map(maskArg)),
    error: (error: string | Error, ...args: unknown[]) => inner.error(maskArg(error), ...args.map(maskArg)),
    append: (value: string) => inner.append(maskForLog(value)),
    appendLine: (value: string) => inner.appendLine(maskForLog(value)),
    replace: (value: string) => inner.replace(maskForLog(value)),
    clear: () => inner.clear(),
    show: (preserveFocusOrColumn?: boolean | vscode.ViewColumn, preserveFocus?: boolean) =>
      typeof preserveFocusOrColumn === 'boolean' || preserveFocusOrColumn === undefined
        ? inner.show(preserveFocusOrColumn)
        : inner.show(preserveFocusOrColumn, preserveFocus),
    hide: () => inner.hide(),
    dispose: () => inner.dispose(),
  };
}
