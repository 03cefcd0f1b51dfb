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

/** `kpr.trace.server`: whether the language client traces its messages to the "KPR" output. */
export function traceEnabled(setting: unknown): boolean {
  return setting === 'messages' || setting === 'verbose';
}

/**
 * The language client's trace channel over the (masked) "KPR" channel. The client traces only while its
 * trace channel's level is Trace, and a log channel drops trace lines below its own level, so with
 * `kpr.trace.server` on this channel reports Trace and writes the lines at info level: visible at the
 * default level. With the setting off it is the KPR channel as it is (its own Trace level still traces).
 */
export function traceChannel(inner: vscode.LogOutputChannel, setting: () => unknown): vscode.LogOutputChannel & vscode.Disposable {
  const on = () => traceEnabled(setting());
  const level = () => (on() ? vscode.LogLevel.Trace : inner.logLevel);
  const changed = new vscode.EventEmitter<vscode.LogLevel>();
  let last = level();
  const fire = () => {
    const now = level();
    if (now !== last) changed.fire((last = now));
  };
  const listeners = [
    inner.onDidChangeLogLevel(fire),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kpr.trace.server')) fire();
    }),
  ];
  return {
    get name() {
      return inner.name;
    },
    get logLevel() {
      return level();
    },
    onDidChangeLogLevel: changed.event,
    trace: (message: string, ...args: unknown[]) => (on() ? inner.info(message, ...args) : inner.trace(message, ...args)),
    debug: (message: string, ...args: unknown[]) => inner.debug(message, ...args),
    info: (message: string, ...args: unknown[]) => inner.info(message, ...args),
    warn: (message: string, ...args: unknown[]) => inner.warn(message, ...args),
    error: (error: string | Error, ...args: unknown[]) => inner.error(error, ...args),
    append: (value: string) => inner.append(value),
    appendLine: (value: string) => inner.appendLine(value),
    replace: (value: string) => inner.replace(value),
    clear: () => inner.clear(),
    show: (preserveFocusOrColumn?: boolean | vscode.ViewColumn, preserveFocus?: boolean) =>
      typeof preserveFocusOrColumn === 'boolean' || preserveFocusOrColumn === undefined
        ? inner.show(preserveFocusOrColumn)
        : inner.show(preserveFocusOrColumn, preserveFocus),
    hide: () => inner.hide(),
    // The KPR channel belongs to the extension; only this wrapper's listeners go.
    dispose: () => {
      for (const l of listeners) l.dispose();
      changed.dispose();
    },
  };
}
