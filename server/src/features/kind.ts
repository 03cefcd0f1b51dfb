/** The kind of a document for the editor features, from its head only (cheap on whole-year files). */
import { sniffKind } from '../analysis/recognize';
import { DocumentKind } from '../analysis/types';

/** The first 64 KiB hold the root and any Hodemelding envelope up to the payload root. */
const HEAD = 65536;

export function recognizedKind(text: string): DocumentKind {
  return sniffKind(text.length > HEAD ? text.slice(0, HEAD) : text);
}
