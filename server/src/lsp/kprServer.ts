/**
 * The language server: a thin adapter from LSP to the engine. It keeps open documents (incremental
 * sync), resolves settings per document, answers pull-diagnostic requests through the document's
 * IncrementalAnalyzer, and serves quick fixes, hover, completion, the outline and `kpr/checkFile`.
 *
 * Every handler catches its own failures: a bug in one rule or one request is logged (masked) and
 * answered, and the server stays up for the rest of the session.
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CancellationToken,
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  CompletionItem,
  CompletionItemKind,
  CompletionParams,
  Connection,
  Diagnostic,
  DidChangeConfigurationParams,
  DocumentDiagnosticParams,
  DocumentDiagnosticReport,
  DocumentDiagnosticReportKind,
  DocumentSymbol,
  DocumentSymbolParams,
  ErrorCodes,
  Hover,
  HoverParams,
  InitializeParams,
  InitializeResult,
  LSPErrorCodes,
  ResponseError,
  SymbolKind,
  TextDocumentEdit,
  TextDocuments,
  TextDocumentSyncKind,
  TextEdit as LspTextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { bundledSplit, checkFile } from '../analysis/checkFile';
import type { SplitJoin } from '../analysis/split';
import { AnalysisResult } from '../analysis/analyze';
import { ChangedSpan, IncrementalAnalyzer, mergeChange } from '../analysis/incremental';
import { Finding, KprSettings, Severity } from '../analysis/types';
import { checkPair, findPairs, SummarizedFile } from '../analysis/pairing';
import { describeError } from '../errors';
import { Lang, registerMessages, t } from '../i18n';
import { LineIndex } from '../xml/lineIndex';
import { completionAt } from '../features/completion';
import {
  analyzeMapping,
  checkMappingFile,
  crossCheckIndexed,
  ExtractServiceIndex,
  indexExtract,
  indexMappings,
  isMappingPath,
  mappingApplies,
  mappingCompletionAt,
  mappingHoverAt,
  MappingSource,
  ParsedMapping,
  WorkspaceMappings,
} from '../mapping';
import { fixAll, fixFor, FIX_PROVIDERS, TextEdit } from '../features/fixes';
import { hoverAt } from '../features/hover';
import { recognizedKind } from '../features/kind';
import { documentOutline, OutlineKind, OutlineSymbol } from '../features/symbols';
import { ConversionContext, countSeverities, GITHUB_DOCS_BASE, rangeOf, toDiagnostic } from './diagnostics';
import { MaskedLog } from './log';
import {
  CHECK_FILE_REQUEST,
  CheckFileParams,
  CheckFileResult,
  FIX_ALL_KIND,
  KprInitializationOptions,
  STATUS_NOTIFICATION,
  StatusParams,
} from './protocol';
import { resolveSettings, ResolvedSettings, settingsKey } from './settings';
import { registerSubmission } from './submission';
import { TestUserLists } from './testUserLists';

registerMessages({
  'lsp.checkFile.notFile': {
    nb: 'Bare filer på disk kan sjekkes (fikk {uri}).',
    en: 'Only files on disk can be checked (got {uri}).',
  },
  'lsp.checkFile.unreadable': {
    nb: 'Kunne ikke lese {path}: {reason}',
    en: 'Could not read {path}: {reason}',
  },
  'lsp.internal': {
    nb: 'KPR-tjeneren feilet internt ({what}). Se utdata-kanalen «KPR».',
    en: 'The KPR server failed internally ({what}). See the "KPR" output channel.',
  },
});

/** The language of mapping files (.kprmap, .kprmap.csv), contributed in package.json. */
export const MAPPING_LANGUAGE = 'kpr-mapping';

/** Languages whose documents are checked. */
export const SUPPORTED_LANGUAGES: ReadonlySet<string> = new Set(['xml', MAPPING_LANGUAGE]);

/** A file on disk checked by `kpr/checkFile` keeps more findings than an open editor shows. */
const CHECK_FILE_MAX_FINDINGS = 100_000;

/** The document's own analysis: one version, one set of settings. */
interface OwnAnalysis {
  key: string;
  version: number;
  result: AnalysisResult;
  lines: LineIndex;
  length: number;
  settings: KprSettings;
  docsBase: string;
  /** The parse of a mapping document, for hover, completion and the cross-check. */
  mapping?: ParsedMapping;
  /** A fagmelding reduced for the mapping cross-check, built on first use. */
  extractIndex?: ExtractServiceIndex;
}

/** What was last answered for a document: its own findings plus those of its fagmelding/identmelding pair. */
interface Analysis extends OwnAnalysis {
  /** The own key plus the versions of the paired documents. */
  publishedKey: string;
  resultId: string;
  /** Every finding shown, in the order of `diagnostics`. */
  findings: Finding[];
  diagnostics: Diagnostic[];
}

interface DocState {
  analyzer: IncrementalAnalyzer;
  /** The version the analyzer last read in full (its base) and that version's line index; -1 when unknown. */
  analyzedVersion: number;
  analyzedLines?: LineIndex;
  own?: OwnAnalysis;
  last?: Analysis;
}

/**
 * A document's own findings plus its pair's, within `kpr.maxFindings`; what does not fit is counted in the
 * same note the analysis uses for its own overflow.
 */
function capFindings(own: readonly Finding[], extra: readonly Finding[], max: number): Finding[] {
  const note = own.find((f) => f.code === 'too-many-findings');
  const shown = own.filter((f) => f !== note);
  const room = Math.max(0, max - shown.length);
  const hidden = (note ? Number(note.args.hidden) || 0 : 0) + Math.max(0, extra.length - room);
  const all = [...shown, ...extra.slice(0, room)];
  if (hidden > 0) {
    all.push({
      code: 'too-many-findings',
      severity: Severity.Information,
      start: 0,
      end: 1,
      key: 'analysis.tooMany',
      args: { shown: all.length, hidden },
    });
  }
  return all;
}

/** The folder part of a URI, for pairing files of the same folder. */
function folderOf(uri: string): string {
  return uri.slice(0, uri.lastIndexOf('/'));
}

/** Thrown inside the server when a request's work was cancelled. */
class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

function cancelledError(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled');
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const SYMBOL_KINDS: Record<OutlineKind, SymbolKind> = {
  message: SymbolKind.Module,
  header: SymbolKind.Namespace,
  person: SymbolKind.Object,
  service: SymbolKind.EnumMember,
  contact: SymbolKind.Constant,
  institution: SymbolKind.Package,
  ident: SymbolKind.Key,
  note: SymbolKind.String,
};

/** True when an action of kind `actual` is wanted by a request asking for `requested` (LSP's hierarchy). */
function kindMatches(actual: string, requested: string): boolean {
  return actual === requested || actual.startsWith(requested + '.');
}

export class KprServer {
  /**
   * The edits since each document's version `from`, merged into one span of offsets (null: none yet;
   * undefined when a change replaced the whole text): the analyzer re-reads only there, and the line
   * index moves instead of being rebuilt.
   */
  private readonly pendingChanges = new Map<string, { from: number; span: ChangedSpan | null | undefined }>();
  private readonly documents = new TextDocuments<TextDocument>({
    create: TextDocument.create,
    update: (doc, changes, version) => {
      const pending = this.pendingChanges.get(doc.uri) ?? { from: doc.version, span: null };
      this.pendingChanges.set(doc.uri, pending);
      // Applied one by one: each change's range is in the text the previous one left.
      for (const change of changes) {
        if (pending.span !== undefined) {
          if (!('range' in change)) pending.span = undefined;
          else {
            const s = doc.offsetAt(change.range.start);
            const e = doc.offsetAt(change.range.end);
            const n = change.text.length;
            pending.span = pending.span ? mergeChange(pending.span, s, e, n) : { start: s, oldEnd: e, newEnd: s + n };
          }
        }
        doc = TextDocument.update(doc, [change], version);
      }
      return doc;
    },
  });
  private readonly states = new Map<string, DocState>();
  private readonly settingsCache = new Map<string, Promise<ResolvedSettings>>();
  private readonly log: MaskedLog;
  private readonly testUsers: TestUserLists;
  private readonly workspaceMappings: WorkspaceMappings;
  private locale: string | undefined;
  private docsBaseDefault = GITHUB_DOCS_BASE;
  private configurationSupport = false;
  private documentChangesSupport = false;
  private relatedInformationSupport = false;
  private refreshSupport = false;
  private workspaceFoldersSupport = false;
  /** Settings pushed by didChangeConfiguration, used only by clients without workspace/configuration. */
  private pushedSettings: unknown;
  /** Bumped when something every analysis depends on changes (settings, the test-user list). */
  private epoch = 0;
  private resultCounter = 0;

  constructor(private readonly connection: Connection) {
    this.log = new MaskedLog(connection.console);
    this.testUsers = new TestUserLists(async () => {
      if (!this.workspaceFoldersSupport) return [];
      return (await this.connection.workspace.getWorkspaceFolders()) ?? [];
    }, this.log);
    this.workspaceMappings = new WorkspaceMappings(
      async () => {
        if (!this.workspaceFoldersSupport) return [];
        const folders = (await this.connection.workspace.getWorkspaceFolders()) ?? [];
        return folders.filter((f) => f.uri.startsWith('file:')).map((f) => fileURLToPath(f.uri));
      },
      (what, err) => this.log.error(`reading mapping files: ${what}`, err),
    );
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((params) => this.initialize(params));
    c.onInitialized(() => this.log.info('KPR language server ready'));
    c.onDidChangeConfiguration((params) => this.configurationChanged(params));
    c.onDidChangeWatchedFiles(() => {
      // The client watches the test-user lists and the mapping files for us.
      this.testUsers.invalidate();
      this.workspaceMappings.invalidate();
      this.invalidateAll();
    });
    c.languages.diagnostics.on((params, token) => this.diagnostics(params, token));
    c.onCodeAction(this.guard('codeAction', () => [], (p: CodeActionParams, token) => this.codeActions(p, token)));
    c.onHover(this.guard('hover', () => null, (p: HoverParams) => this.hover(p)));
    c.onCompletion(this.guard('completion', () => null, (p: CompletionParams) => this.completion(p)));
    c.onDocumentSymbol(this.guard('documentSymbol', () => null, (p: DocumentSymbolParams, token) => this.symbols(p, token)));
    c.onRequest(CHECK_FILE_REQUEST, (p: CheckFileParams, token: CancellationToken) => this.checkFileOnDisk(p, token));
    registerSubmission(c, {
      log: this.log,
      settingsFor: (uri) => this.settingsFor(uri, this.documents.get(uri) !== undefined),
      docsBase: (s) => this.docsBase(s),
      relatedInformation: () => this.relatedInformationSupport,
      workspaceFolders: async () => (this.workspaceFoldersSupport ? ((await c.workspace.getWorkspaceFolders()) ?? []) : []),
    });
    this.documents.onDidClose((e) => {
      this.states.delete(e.document.uri);
      this.pendingChanges.delete(e.document.uri);
      this.settingsCache.delete(e.document.uri);
    });
    this.documents.listen(c);
    c.listen();
  }

  // ---------------------------------------------------------------------------------------------------
  // Life cycle and settings
  // ---------------------------------------------------------------------------------------------------

  private initialize(params: InitializeParams): InitializeResult {
    const options = (params.initializationOptions ?? {}) as KprInitializationOptions;
    this.locale = params.locale ?? (typeof options.locale === 'string' ? options.locale : undefined);
    if (typeof options.docsBaseUri === 'string' && options.docsBaseUri) this.docsBaseDefault = options.docsBaseUri;
    const caps = params.capabilities;
    this.configurationSupport = !!caps.workspace?.configuration;
    this.documentChangesSupport = !!caps.workspace?.workspaceEdit?.documentChanges;
    this.relatedInformationSupport = !!caps.textDocument?.publishDiagnostics?.relatedInformation || !!caps.textDocument?.diagnostic;
    this.refreshSupport = !!caps.workspace?.diagnostics?.refreshSupport;
    this.workspaceFoldersSupport = !!caps.workspace?.workspaceFolders;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        diagnosticProvider: { identifier: 'kpr', interFileDependencies: true, workspaceDiagnostics: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['>', ';', ','], resolveProvider: false },
        documentSymbolProvider: { label: 'KPR' },
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'kpr' },
    };
  }

  private configurationChanged(params: DidChangeConfigurationParams): void {
    const settings = params.settings as { kpr?: unknown } | null | undefined;
    if (settings && typeof settings === 'object' && 'kpr' in settings) this.pushedSettings = settings.kpr;
    this.invalidateAll();
  }

  /** Drops every cached setting and result and asks the client to pull all diagnostics again. */
  private invalidateAll(): void {
    this.settingsCache.clear();
    this.epoch++;
    if (this.refreshSupport) {
      this.connection.languages.diagnostics.refresh().catch((err) => this.log.error('diagnostics refresh failed', err));
    }
  }

  /** The settings of one resource, fetched once per document and kept until they change. */
  private settingsFor(uri: string, cache = true): Promise<ResolvedSettings> {
    const cached = this.settingsCache.get(uri);
    if (cached) return cached;
    const pending = (async () => {
      let raw: unknown = this.pushedSettings;
      if (this.configurationSupport) {
        try {
          raw = await this.connection.workspace.getConfiguration({ scopeUri: uri, section: 'kpr' });
        } catch (err) {
          this.log.error('reading the kpr settings failed; using defaults', err);
          this.settingsCache.delete(uri);
          raw = undefined;
        }
      }
      const listed = await this.testUsers.forDocument(uri);
      return resolveSettings(raw, this.locale, listed);
    })();
    if (cache) this.settingsCache.set(uri, pending);
    return pending;
  }

  private docsBase(s: ResolvedSettings): string {
    return s.docsBaseUrl ?? this.docsBaseDefault;
  }

  private isSupported(doc: TextDocument): boolean {
    return SUPPORTED_LANGUAGES.has(doc.languageId);
  }

  // ---------------------------------------------------------------------------------------------------
  // Analysis and diagnostics
  // ---------------------------------------------------------------------------------------------------

  private stateOf(uri: string): DocState {
    let s = this.states.get(uri);
    if (!s) {
      s = { analyzer: new IncrementalAnalyzer(), analyzedVersion: -1 };
      this.states.set(uri, s);
    }
    return s;
  }

  /**
   * The document's own analysis of its current version: reused while version, settings and epoch are the
   * same, computed otherwise. Throws Cancelled when the token fires before or during the work.
   */
  private async ownAnalysis(uri: string, token: CancellationToken): Promise<OwnAnalysis | undefined> {
    if (!this.documents.get(uri)) return undefined;
    const resolved = await this.settingsFor(uri);
    const state = this.stateOf(uri);
    const docsBase = this.docsBase(resolved);
    const settings = resolved.kpr;
    const keyOf = (d: TextDocument) => `${d.version}|${this.epoch}|${docsBase}|${settingsKey(settings)}`;
    let doc = this.documents.get(uri);
    if (!doc) return undefined;
    if (state.own?.key === keyOf(doc)) return state.own;
    this.log.debug(`analysing ${uri} v${doc.version} (${doc.getText().length} characters)`);
    // Let messages already on the wire (a newer change, a cancellation) arrive before the work starts;
    // this also lets the log line above go out first.
    await yieldToEventLoop();
    if (token.isCancellationRequested) throw new Cancelled();
    doc = this.documents.get(uri);
    if (!doc) return undefined;
    const key = keyOf(doc);
    if (state.own?.key === key) return state.own;

    const text = doc.getText();
    // The edits from the analyzer's base to this version, when they are known as one span.
    const pending = this.pendingChanges.get(uri);
    this.pendingChanges.delete(uri);
    const change = pending && pending.from === state.analyzedVersion ? (pending.span ?? undefined) : undefined;
    let result: AnalysisResult;
    let mapping: ParsedMapping | undefined;
    if (doc.languageId === MAPPING_LANGUAGE) {
      const m = analyzeMapping(text, settings);
      mapping = m.parsed;
      result = {
        kind: 'mapping',
        envelope: false,
        findings: m.findings,
        stopped: false,
        stats: { records: m.stats.rows, ms: m.stats.ms, hiddenFindings: m.stats.hiddenFindings },
      };
    } else {
      result = state.analyzer.analyze(text, settings, () => token.isCancellationRequested, change);
    }
    if (result.stopped) {
      state.analyzedVersion = -1; // the analyzer kept its older base: the merged span no longer fits it
      state.analyzedLines = undefined;
      throw new Cancelled();
    }
    const lines =
      change && state.analyzedLines ? state.analyzedLines.withEdit(text, change.start, change.oldEnd, change.newEnd) : new LineIndex(text);
    state.analyzedVersion = doc.version;
    state.analyzedLines = lines;
    const own: OwnAnalysis = { key, version: doc.version, result, lines, length: text.length, settings, docsBase, mapping };
    if (this.documents.get(uri) === doc) state.own = own;
    this.log.info(
      `analysed ${uri} v${doc.version}: ${result.kind}, ${result.stats.records} records, ${result.findings.length} findings, ${Math.round(result.stats.ms)} ms`,
    );
    return own;
  }

  /**
   * ident-mismatch across open documents: a fagmelding and an identmelding open from the same folder are
   * paired (analysis/pairing.ts) and each gets the findings located in it. The key names the versions of
   * the partners, so a change in one makes the other's answer change too.
   */
  private async pairFindings(uri: string, own: OwnAnalysis, token: CancellationToken): Promise<{ key: string; findings: Finding[] }> {
    const summary = own.result.summary;
    // Only files on disk have a folder to pair in; two untitled buffers are not a pair.
    if (!summary || !uri.startsWith('file:')) return { key: '', findings: [] };
    const folder = folderOf(uri);
    const files: SummarizedFile[] = [{ path: uri, summary }];
    const parts: string[] = [];
    for (const other of this.documents.all()) {
      if (other.uri === uri || !other.uri.startsWith('file:') || folderOf(other.uri) !== folder || !this.isSupported(other)) continue;
      const o = await this.ownAnalysis(other.uri, token);
      if (!o?.result.summary) continue;
      files.push({ path: other.uri, summary: o.result.summary });
      parts.push(`${other.uri}@${o.key}`);
    }
    if (files.length < 2) return { key: '', findings: [] };
    const findings: Finding[] = [];
    for (const pair of findPairs(files)) {
      if (pair.fag.path !== uri && pair.ide.path !== uri) continue;
      const r = checkPair(pair.fag, pair.ide, own.settings);
      findings.push(...(pair.fag.path === uri ? r.fagFindings : r.ideFindings));
    }
    return { key: parts.sort().join('\n'), findings };
  }

  /** A fagmelding's services reduced for the mapping cross-check, once per analysed version. */
  private extractIndexOf(uri: string, own: OwnAnalysis): ExtractServiceIndex | undefined {
    const summary = own.result.summary;
    if (summary?.kind !== 'fagmelding') return undefined;
    own.extractIndex ??= indexExtract(uri, summary);
    return own.extractIndex;
  }

  /**
   * The mapping against the extracts (server/src/mapping/crossCheck.ts): a mapping document is compared
   * with the open fagmelding documents it applies to (mapping-unused); a fagmelding with the open mapping
   * documents and the workspace's mapping files of its folder and the folders above (mapping-unmapped), an
   * open document winning over its file on disk. The key names every version used.
   */
  private async mappingFindings(uri: string, own: OwnAnalysis, token: CancellationToken): Promise<{ key: string; findings: Finding[] }> {
    const none = { key: '', findings: [] };
    const pathOf = (u: string) => (u.startsWith('file:') ? fileURLToPath(u) : undefined);
    const applies = (mappingUri: string, extractUri: string) => {
      const m = pathOf(mappingUri);
      const x = pathOf(extractUri);
      return !m || !x || mappingApplies(m, x);
    };
    const parts: string[] = [];
    if (own.result.kind === 'mapping') {
      const extracts: ExtractServiceIndex[] = [];
      for (const other of this.documents.all()) {
        if (other.uri === uri || other.languageId === MAPPING_LANGUAGE || !this.isSupported(other) || !applies(uri, other.uri)) continue;
        const o = await this.ownAnalysis(other.uri, token);
        const index = o && this.extractIndexOf(other.uri, o);
        if (!o || !index) continue;
        extracts.push(index);
        parts.push(`${other.uri}@${o.key}`);
      }
      if (extracts.length === 0) return none;
      const res = crossCheckIndexed(indexMappings([{ path: uri, rows: own.mapping?.rows ?? [] }]), extracts, own.settings);
      return { key: parts.sort().join('\n'), findings: res.mappingFindings.get(uri) ?? [] };
    }
    const index = this.extractIndexOf(uri, own);
    if (!index) return none;
    const sources: MappingSource[] = [];
    const open = new Set<string>();
    for (const other of this.documents.all()) {
      if (other.languageId !== MAPPING_LANGUAGE || !applies(other.uri, uri)) continue;
      const o = await this.ownAnalysis(other.uri, token);
      if (!o?.mapping) continue;
      sources.push({ path: other.uri, rows: o.mapping.rows });
      parts.push(`${other.uri}@${o.key}`);
      const p = pathOf(other.uri);
      if (p) open.add(p);
    }
    const extractPath = pathOf(uri);
    if (extractPath) {
      for (const m of await this.workspaceMappings.forExtract(extractPath)) {
        if (open.has(m.path)) continue;
        sources.push({ path: pathToFileURL(m.path).href, rows: m.rows });
        parts.push(`${m.path}@${m.version}`);
      }
    }
    if (sources.length === 0) return none;
    const res = crossCheckIndexed(indexMappings(sources), [index], own.settings);
    return { key: parts.sort().join('\n'), findings: res.extractFindings.get(uri) ?? [] };
  }

  /** The answer for a document: its own analysis and its pair's findings, reused while neither changed. */
  private async analysis(uri: string, token: CancellationToken): Promise<Analysis | undefined> {
    const own = await this.ownAnalysis(uri, token);
    if (!own) return undefined;
    const pair = own.result.kind === 'fagmelding' || own.result.kind === 'identmelding' ? await this.pairFindings(uri, own, token) : { key: '', findings: [] };
    const cross = own.result.kind === 'mapping' || own.result.kind === 'fagmelding' ? await this.mappingFindings(uri, own, token) : { key: '', findings: [] };
    const state = this.stateOf(uri);
    const publishedKey = `${own.key}|${pair.key}|${cross.key}`;
    if (state.last?.publishedKey === publishedKey) return state.last;

    const doc = this.documents.get(uri);
    if (!doc || doc.version !== own.version) throw new Cancelled();
    // Only KPR documents get diagnostics: other XML in the workspace is none of this extension's business.
    let findings: Finding[] = own.result.kind === 'other' ? [] : own.result.findings;
    const extra = [...pair.findings, ...cross.findings];
    if (extra.length > 0) findings = capFindings(findings, extra, own.settings.maxFindings);
    const otherLines = new Map<string, LineIndex | undefined>();
    const ctx: ConversionContext = {
      uri,
      lines: own.lines,
      length: own.length,
      lang: own.settings.language,
      docsBase: own.docsBase,
      relatedInformation: this.relatedInformationSupport,
      otherFile: (other) => this.linesOf(other, otherLines),
    };
    const analysis: Analysis = {
      ...own,
      publishedKey,
      resultId: String(++this.resultCounter),
      findings,
      diagnostics: findings.map((f) => toDiagnostic(f, ctx)),
    };
    state.last = analysis;
    if (this.documents.get(uri)) this.sendStatus(uri, own.version, own.result, findings);
    return analysis;
  }

  /**
   * The line index of another open document, for related locations: its analysis' own when current, built
   * once per conversion otherwise (a pair may relate a thousand findings to one large file).
   */
  private linesOf(uri: string, memo: Map<string, LineIndex | undefined>): LineIndex | undefined {
    if (memo.has(uri)) return memo.get(uri);
    const d = this.documents.get(uri);
    const own = this.states.get(uri)?.own;
    const lines = !d ? undefined : own && own.version === d.version ? own.lines : new LineIndex(d.getText());
    memo.set(uri, lines);
    return lines;
  }

  private sendStatus(uri: string, version: number, result: AnalysisResult, findings: readonly Finding[]): void {
    const status: StatusParams = {
      uri,
      version,
      kind: result.kind,
      envelope: result.envelope,
      ms: Math.round(result.stats.ms),
      records: result.stats.records,
      counts: countSeverities(findings),
      hiddenFindings: result.stats.hiddenFindings,
    };
    this.connection.sendNotification(STATUS_NOTIFICATION, status).catch((err) => this.log.error('status notification failed', err));
  }

  private async diagnostics(params: DocumentDiagnosticParams, token: CancellationToken): Promise<DocumentDiagnosticReport> {
    const uri = params?.textDocument?.uri;
    const doc = typeof uri === 'string' ? this.documents.get(uri) : undefined;
    if (!doc || !this.isSupported(doc)) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
    try {
      const a = await this.analysis(doc.uri, token);
      if (!a) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
      if (params.previousResultId === a.resultId) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId: a.resultId };
      return { kind: DocumentDiagnosticReportKind.Full, resultId: a.resultId, items: a.diagnostics };
    } catch (err) {
      if (err instanceof Cancelled || token.isCancellationRequested) throw cancelledError();
      this.log.error(`diagnostics for ${doc.uri} failed`, err);
      throw new ResponseError(ErrorCodes.InternalError, t('en', 'lsp.internal', { what: 'diagnostics' }));
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Editor features
  // ---------------------------------------------------------------------------------------------------

  /** Wraps a handler so that a failure is logged (masked) and answered with `fallback`. */
  private guard<P, R>(what: string, fallback: () => R, fn: (params: P, token: CancellationToken) => Promise<R> | R) {
    return async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
      try {
        return await fn(params, token);
      } catch (err) {
        if (err instanceof Cancelled) return cancelledError();
        this.log.error(`${what} failed`, err);
        return fallback();
      }
    };
  }

  private textEdits(edits: readonly TextEdit[], lines: LineIndex, length: number): LspTextEdit[] {
    return edits.map((e) => ({ range: rangeOf(lines, length, e.start, e.end), newText: e.newText }));
  }

  private workspaceEdit(doc: TextDocument, edits: LspTextEdit[]): WorkspaceEdit {
    if (this.documentChangesSupport) {
      return { documentChanges: [TextDocumentEdit.create({ uri: doc.uri, version: doc.version }, edits)] };
    }
    return { changes: { [doc.uri]: edits } };
  }

  private async codeActions(params: CodeActionParams, token: CancellationToken): Promise<CodeAction[]> {
    const doc = this.documents.get(params.textDocument.uri);
    if (!doc || !this.isSupported(doc)) return [];
    const only = params.context.only;
    const wantsQuickFix = !only || only.some((k) => kindMatches(CodeActionKind.QuickFix, k));
    const wantsFixAll = !!only && only.some((k) => kindMatches(FIX_ALL_KIND, k));
    if (!wantsQuickFix && !wantsFixAll) return [];
    const a = await this.analysis(doc.uri, token);
    if (!a || a.result.kind === 'other' || a.version !== doc.version) return [];
    const text = doc.getText();
    const lang = a.settings.language;
    const fixable = a.findings.filter((f) => FIX_PROVIDERS.has(f.code));
    const actions: CodeAction[] = [];

    if (wantsQuickFix) {
      const from = doc.offsetAt(params.range.start);
      const to = doc.offsetAt(params.range.end);
      for (const f of fixable) {
        if (f.end < from || f.start > to) continue;
        const fix = fixFor(text, f, lang);
        if (!fix) continue;
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [this.matchingDiagnostic(params.context.diagnostics, f, a)],
          isPreferred: true,
          edit: this.workspaceEdit(doc, this.textEdits(fix.edits, a.lines, a.length)),
        });
      }
      if (actions.length > 0) {
        const all = fixAll(text, fixable);
        if (all.fixed > 1) actions.push(this.fixAllAction(doc, a, all.edits, all.fixed, CodeActionKind.QuickFix, lang));
      }
    }
    if (wantsFixAll) {
      const all = fixAll(text, fixable);
      if (all.fixed > 0) actions.push(this.fixAllAction(doc, a, all.edits, all.fixed, FIX_ALL_KIND, lang));
    }
    return actions;
  }

  private fixAllAction(doc: TextDocument, a: Analysis, edits: TextEdit[], count: number, kind: string, lang: Lang): CodeAction {
    return {
      title: t(lang, 'fix.all', { count }),
      kind,
      edit: this.workspaceEdit(doc, this.textEdits(edits, a.lines, a.length)),
    };
  }

  /** The client's own diagnostic for a finding when it sent one (so the editor links them), else ours. */
  private matchingDiagnostic(sent: readonly Diagnostic[], f: Finding, a: Analysis): Diagnostic {
    const own = a.diagnostics[a.findings.indexOf(f)];
    const match = sent.find(
      (d) =>
        d.code === f.code &&
        d.range.start.line === own.range.start.line &&
        d.range.start.character === own.range.start.character &&
        d.range.end.line === own.range.end.line &&
        d.range.end.character === own.range.end.character,
    );
    return match ?? own;
  }

  /** The kind of a document and where its payload starts, from the last analysis when it is current. */
  private async documentInfo(doc: TextDocument): Promise<{ lang: Lang; kind: ReturnType<typeof recognizedKind>; payloadStart?: number }> {
    const resolved = await this.settingsFor(doc.uri);
    const last = this.states.get(doc.uri)?.own;
    if (last && last.version === doc.version) {
      return { lang: resolved.kpr.language, kind: last.result.kind, payloadStart: last.result.payloadRoot?.start };
    }
    return { lang: resolved.kpr.language, kind: recognizedKind(doc.getText()) };
  }

  /** The parse of a mapping document's current version, when the last analysis has it. */
  private currentMapping(doc: TextDocument): ParsedMapping | undefined {
    const own = this.states.get(doc.uri)?.own;
    return own && own.version === doc.version ? own.mapping : undefined;
  }

  private async hover(params: HoverParams): Promise<Hover | null> {
    const doc = this.documents.get(params.textDocument.uri);
    if (!doc || !this.isSupported(doc)) return null;
    const info = await this.documentInfo(doc);
    const text = doc.getText();
    const h =
      doc.languageId === MAPPING_LANGUAGE
        ? mappingHoverAt(text, doc.offsetAt(params.position), { lang: info.lang, parsed: this.currentMapping(doc) })
        : hoverAt(text, doc.offsetAt(params.position), info);
    if (!h) return null;
    return { contents: { kind: 'markdown', value: h.markdown }, range: { start: doc.positionAt(h.start), end: doc.positionAt(h.end) } };
  }

  private async completion(params: CompletionParams): Promise<CompletionItem[] | null> {
    const doc = this.documents.get(params.textDocument.uri);
    if (!doc || !this.isSupported(doc)) return null;
    const info = await this.documentInfo(doc);
    const c =
      doc.languageId === MAPPING_LANGUAGE
        ? mappingCompletionAt(doc.getText(), doc.offsetAt(params.position), { lang: info.lang, parsed: this.currentMapping(doc) })
        : completionAt(doc.getText(), doc.offsetAt(params.position), info);
    if (!c) return null;
    const range = { start: doc.positionAt(c.start), end: doc.positionAt(c.end) };
    return c.items.map((item) => ({
      label: item.label,
      labelDetails: { detail: ` ${item.detail}`, description: item.description },
      kind: CompletionItemKind.EnumMember,
      detail: item.detail,
      documentation: { kind: 'markdown', value: item.documentation },
      sortText: item.sortText,
      filterText: item.label,
      textEdit: { range, newText: item.label },
    }));
  }

  private async symbols(params: DocumentSymbolParams, token: CancellationToken): Promise<DocumentSymbol[] | null> {
    const doc = this.documents.get(params.textDocument.uri);
    if (!doc || !this.isSupported(doc) || doc.languageId === MAPPING_LANGUAGE) return null;
    const resolved = await this.settingsFor(doc.uri);
    const outline = documentOutline(doc.getText(), { lang: resolved.kpr.language, shouldStop: () => token.isCancellationRequested });
    if (outline.stopped) throw new Cancelled();
    const convert = (s: OutlineSymbol): DocumentSymbol => ({
      name: s.name,
      detail: s.detail,
      kind: SYMBOL_KINDS[s.kind],
      range: { start: doc.positionAt(s.start), end: doc.positionAt(s.end) },
      selectionRange: { start: doc.positionAt(s.selectionStart), end: doc.positionAt(s.selectionEnd) },
      children: s.children.map(convert),
    });
    return outline.symbols.map(convert);
  }

  // ---------------------------------------------------------------------------------------------------
  // kpr/checkFile
  // ---------------------------------------------------------------------------------------------------

  private async checkFileOnDisk(params: CheckFileParams, token: CancellationToken): Promise<CheckFileResult | ResponseError<void>> {
    const uri = params?.uri;
    let lang: Lang = 'en';
    try {
      if (typeof uri !== 'string' || !uri.startsWith('file:')) {
        return new ResponseError(ErrorCodes.InvalidParams, t('en', 'lsp.checkFile.notFile', { uri: String(uri) }));
      }
      const resolved = await this.settingsFor(uri, this.documents.get(uri) !== undefined);
      lang = resolved.kpr.language;
      const settings: KprSettings = { ...resolved.kpr, maxFindings: Math.max(resolved.kpr.maxFindings, CHECK_FILE_MAX_FINDINGS) };
      const path = fileURLToPath(uri);
      let checked;
      let bytes: number;
      let joined: SplitJoin | undefined;
      try {
        bytes = (await fs.stat(path)).size;
        if (isMappingPath(path)) {
          const m = await checkMappingFile(path, settings);
          const mapResult: AnalysisResult = {
            kind: 'mapping',
            envelope: false,
            findings: m.findings,
            stopped: false,
            stats: { records: m.stats.rows, ms: m.stats.ms, hiddenFindings: m.stats.hiddenFindings },
          };
          checked = { path, text: m.text, lines: m.lines, encoding: m.encoding, result: mapResult };
        } else {
          // A file too large for the editor is read on two threads, as `kpr check` reads it.
          const split = bundledSplit(__dirname);
          checked = await checkFile(path, settings, () => token.isCancellationRequested, split && { ...split, onJoin: (how) => (joined = how) });
        }
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException)?.code ?? describeError(err, lang);
        return new ResponseError(ErrorCodes.InvalidParams, t(lang, 'lsp.checkFile.unreadable', { path, reason }));
      }
      if (checked.result.stopped) return cancelledError();
      const ctx: ConversionContext = {
        uri,
        lines: checked.lines,
        length: checked.text.length,
        lang,
        docsBase: this.docsBase(resolved),
        relatedInformation: this.relatedInformationSupport,
      };
      const r = checked.result;
      const threads = joined === 'other' ? ', on two threads' : '';
      this.log.info(`checked ${path} on disk: ${r.kind}, ${r.stats.records} records, ${r.findings.length} findings, ${Math.round(r.stats.ms)} ms${threads}`);
      return {
        uri,
        kind: r.kind,
        encoding: checked.encoding,
        diagnostics: r.findings.map((f) => toDiagnostic(f, ctx)),
        counts: countSeverities(r.findings),
        stats: { records: r.stats.records, ms: Math.round(r.stats.ms), hiddenFindings: r.stats.hiddenFindings, bytes },
      };
    } catch (err) {
      this.log.error('kpr/checkFile failed', err);
      return new ResponseError(ErrorCodes.InternalError, t(lang, 'lsp.internal', { what: CHECK_FILE_REQUEST }));
    }
  }
}
