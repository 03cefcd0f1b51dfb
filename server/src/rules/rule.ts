/**
 * The shape of a rule. A rule lives in one file named after its code (rules/<camelCase>.ts), holds its
 * own messages in both languages, and visits a document's parts as the reader streams them:
 *
 * - `header`: INNHINFO of a fagmelding (complete), or the Melding root of an identmelding (attributes only);
 * - `record`: one PERSON (fagmelding) or PasientIdent (identmelding), with its whole subtree. A record
 *   visit must depend only on the record, the header and the settings: results are cached per record
 *   text in the language server, so an edit re-checks only the records it touched;
 * - `end`: once, with the summary of every record, for checks across records (duplicates).
 */
import { MessageText } from '../i18n';
import { HeaderInfo, DocumentSummary } from '../analysis/summary';
import { FindingInput, KprSettings, PayloadKind, RuleCode, Severity } from '../analysis/types';
import { XmlElement } from '../xml/parser';

export interface RuleContext {
  readonly kind: PayloadKind;
  readonly settings: KprSettings;
  /** Known once the header has been read (before the first record). */
  readonly header: HeaderInfo;
  /** The reporting period as YYYYMMDD, from settings.reportingYear or the header. */
  readonly period: { from: string; to: string } | undefined;
  report(finding: FindingInput): void;
}

export interface RuleVisitor {
  header?(el: XmlElement): void;
  record?(el: XmlElement): void;
  end?(summary: DocumentSummary): void;
}

export interface Rule {
  code: RuleCode;
  defaultSeverity: Severity;
  kinds: readonly PayloadKind[];
  /** One line, English, for `kpr rules` and the docs index. */
  title: MessageText;
  create(ctx: RuleContext): RuleVisitor;
}
