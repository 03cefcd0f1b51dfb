/** Where each rule's documentation page lives (docs/rules/<code>.md in the repository). */
export const DOCS_BASE_URL = 'https://github.com/kpr-tools/kpr/blob/main/docs/rules/';

export function docsUrl(code: string, base = DOCS_BASE_URL): string {
  return code ? `${base}${code}.md` : base;
}
