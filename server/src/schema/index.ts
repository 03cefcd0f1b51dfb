/**
 * The `schema` rule: validation of KPR payloads against the official schemas (schemas/kpr), streaming,
 * inside the analysis pipeline. See docs/rules/schema.md.
 */
import { FindingInput, KprSettings, PayloadKind } from '../analysis/types';
import { XmlElement } from '../xml/parser';
import './messages';
import { createValidator, SchemaCheck } from './validator';

export type { SchemaCheck } from './validator';
export { identVersionForNamespace } from './validator';
export { KNOWN_ADDITIONS, FAGMELDING_VERSIONS } from './additions';
export { loadKprSchema, findSchemaDir } from './xsd';

/**
 * The schema check of one payload, created when its root element opens. The pipeline then calls `open`
 * for every element of the payload (root first) and `close` when each is complete. `source` (the document
 * text) is optional; with it, white space around string values is seen as KPR's validator sees it.
 */
export function createSchemaCheck(
  kind: PayloadKind,
  root: XmlElement,
  report: (f: FindingInput) => void,
  settings: KprSettings,
  source?: string,
): SchemaCheck {
  return createValidator(kind, root, report, settings, source);
}
