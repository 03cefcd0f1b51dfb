/**
 * HTML for the webviews, built as strings by pure functions. Everything that comes from a file, a receipt
 * or a setting goes through `esc`; the page allows no remote resources and runs only scripts that carry
 * the page's nonce (a strict Content Security Policy), and takes its colours from VS Code's theme variables.
 */

/** Escapes text for element content and quoted attribute values. */
export function esc(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface PageOptions {
  /** A fresh random value per render: only scripts and styles that carry it run. */
  nonce: string;
  /** The webview's own resource origin (webview.cspSource). */
  cspSource: string;
  /** The document language, 'nb' or 'en'. */
  lang: string;
  title: string;
}

/** The Content Security Policy of every KPR webview: nothing remote, nothing inline without the nonce. */
export function contentSecurityPolicy(o: Pick<PageOptions, 'nonce' | 'cspSource'>): string {
  return [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
  ].join('; ');
}

/** Shared look: VS Code's theme variables only, so light, dark and high-contrast themes all read well. */
export const BASE_STYLE = `
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground);
         background: var(--vscode-editor-background); padding: 0 20px 24px; line-height: 1.45; }
  h1 { font-size: 1.5em; font-weight: 600; margin: 16px 0 4px; }
  h2 { font-size: 1.15em; font-weight: 600; margin: 24px 0 8px; border-bottom: 1px solid var(--vscode-panel-border); padding-bottom: 4px; }
  .muted { color: var(--vscode-descriptionForeground); }
  table { border-collapse: collapse; margin: 4px 0 8px; }
  th, td { text-align: left; padding: 3px 12px 3px 0; vertical-align: top; }
  th { font-weight: 600; color: var(--vscode-descriptionForeground); }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  code, pre { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
  pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow: auto; max-height: 420px; white-space: pre-wrap; word-break: break-all; }
  .status { display: inline-block; padding: 2px 8px; border-radius: 10px; font-weight: 600; }
  .status-ok { color: var(--vscode-testing-iconPassed); border: 1px solid var(--vscode-testing-iconPassed); }
  .status-warning { color: var(--vscode-editorWarning-foreground); border: 1px solid var(--vscode-editorWarning-foreground); }
  .status-error { color: var(--vscode-errorForeground); border: 1px solid var(--vscode-errorForeground); }
  .status-info { color: var(--vscode-charts-blue); border: 1px solid var(--vscode-charts-blue); }
  .status-muted { color: var(--vscode-disabledForeground); border: 1px solid var(--vscode-disabledForeground); }
  button { font-family: inherit; font-size: inherit; color: var(--vscode-button-foreground); background: var(--vscode-button-background);
           border: 1px solid var(--vscode-button-border, transparent); padding: 4px 12px; margin: 0 8px 8px 0; cursor: pointer; border-radius: 2px; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  button.secondary { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
  button.secondary:hover { background: var(--vscode-button-secondaryHoverBackground); }
  ol.timeline { list-style: none; padding-left: 0; border-left: 2px solid var(--vscode-panel-border); margin-left: 6px; }
  ol.timeline li { padding: 2px 0 10px 14px; position: relative; }
  ol.timeline li::before { content: ''; position: absolute; left: -7px; top: 7px; width: 10px; height: 10px; border-radius: 50%;
                           background: var(--vscode-charts-blue); }
  ol.timeline li.ok::before { background: var(--vscode-testing-iconPassed); }
  ol.timeline li.warning::before { background: var(--vscode-editorWarning-foreground); }
  ol.timeline li.error::before { background: var(--vscode-errorForeground); }
  details summary { cursor: pointer; margin: 8px 0; }
  svg text { fill: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: 12px; }
  svg .bar { fill: var(--vscode-charts-blue); }
  svg .bar-warning { fill: var(--vscode-charts-orange); }
  svg .bar-error { fill: var(--vscode-charts-red); }
  svg .bar-ok { fill: var(--vscode-charts-green); }
  svg .track { fill: var(--vscode-editorWidget-background, transparent); }
`;

/** A whole page: CSP, theme styles (nonce'd), the body, and an optional script (nonce'd). */
export function page(o: PageOptions, body: string, script?: string, extraStyle = ''): string {
  return `<!DOCTYPE html>
<html lang="${esc(o.lang)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(o.title)}</title>
<style nonce="${esc(o.nonce)}">${BASE_STYLE}${extraStyle}</style>
</head>
<body>
${body}
${script ? `<script nonce="${esc(o.nonce)}">${script}</script>` : ''}
</body>
</html>`;
}

/** The script of a page whose buttons post `{ command, ...data-* }` to the extension. */
export const BUTTON_SCRIPT = `
  const vscode = acquireVsCodeApi();
  document.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-command]');
    if (!b) return;
    vscode.postMessage({ command: b.dataset.command, arg: b.dataset.arg });
  });
`;
