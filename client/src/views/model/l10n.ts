/**
 * The one thing the view models need from VS Code: `l10n.t`. The extension passes `vscode.l10n`; tests pass
 * `bundleL10n(...)` over the same bundle files VS Code reads, so a test can see the Norwegian text a user sees.
 * Messages are written in English and looked up by that text, with `{0}`-style placeholders, as VS Code does.
 */
export interface L10n {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

/** Replaces `{0}`, `{1}` … with the arguments, as vscode.l10n.t does. */
export function formatMessage(template: string, args: ReadonlyArray<string | number | boolean>): string {
  return template.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));
}

/** An L10n over a bundle (English text → translation); without one, the English text. */
export function bundleL10n(bundle: Readonly<Record<string, string>> = {}): L10n {
  return { t: (message, ...args) => formatMessage(bundle[message] ?? message, args) };
}
