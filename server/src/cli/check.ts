/**
 * `kpr check`: the same checks as the editor, for build pipelines. Files and folders; fagmelding and
 * identmelding found in the same folder are checked as a pair. Exit code 1 when any error is found.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bundledSplit, CheckedFile, checkFile } from '../analysis/checkFile';
import { DocumentSummary, FagmeldingSummary } from '../analysis/summary';
import { defaultSettings, Finding, isRuleCode, KprSettings, Severity, SeveritySetting, severityName } from '../analysis/types';
import { checkPair, findPairs } from '../analysis/pairing';
import { Lang, langFromLocale, t } from '../i18n';
import { maskPersonIds } from '../privacy';
import { decodeXml } from '../xml/encoding';
import { LineIndex } from '../xml/lineIndex';
import { TEST_USER_FILE, parseTestUserFile } from '../domain/testUsers';
import { parseArgs, UsageError } from './args';
import { CliIO } from './io';
import { docsUrl } from './docs';
import { checkMappingFile, crossCheck, isMappingPath, mappingApplies, MappingSource } from '../mapping';

export interface FileReport {
  file: string;
  kind: string;
  findings: Finding[];
  lines: LineIndex;
}

export interface LspDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: number;
  code: string;
  source: 'kpr';
  message: string;
  codeDescription?: { href: string };
}

const SEVERITY_SETTINGS: SeveritySetting[] = ['error', 'warning', 'information', 'hint', 'off'];

export const CHECK_USAGE = `Usage: kpr check [--format text|json|sarif] [--year YYYY] [--lang nb|en]
                 [--severity CODE=LEVEL]... [--test-users FILE] [--threads 1|2] PATH...
Checks KPR extracts (fagmelding KPR_IPL, identmelding KPR_IDE, also inside a Hodemelding)
and mapping files (.kprmap, .kprmap.csv) in files and folders. The mapping files of a folder
are also checked against the fagmelding extracts in that folder and below it.
A fagmelding of 4 MiB or more is read on two threads when the machine has more than one
processor (--threads 1: always one); the findings are the same.
Exit code: 0 no errors, 1 errors found, 2 bad usage.`;


/** Resolves CLI flags to engine settings. */
export async function settingsFromArgs(opts: Record<string, unknown>, lang: Lang): Promise<KprSettings> {
  const severity: KprSettings['severity'] = {};
  for (const s of (opts.severity as string[] | undefined) ?? []) {
    const [code, level] = s.split('=');
    if (!code || !isRuleCode(code)) throw new UsageError(`--severity: unknown rule code '${code}'`);
    if (!SEVERITY_SETTINGS.includes(level as SeveritySetting)) {
      throw new UsageError(`--severity ${code}: level must be one of ${SEVERITY_SETTINGS.join(', ')}`);
    }
    severity[code] = level as SeveritySetting;
  }
  let reportingYear: number | undefined;
  if (opts.year !== undefined) {
    reportingYear = Number(opts.year);
    if (!/^\d{4}$/.test(String(opts.year)) || reportingYear < 1990 || reportingYear > 2100) {
      throw new UsageError(`--year must be a year like 2025, not '${opts.year}'`);
    }
  }
  // The municipality's own test persons: --test-users FILE, else .kpr/testbrukere.txt in the current folder.
  const testUsers: string[] = [];
  const explicitFile = typeof opts['test-users'] === 'string' ? opts['test-users'] : undefined;
  const file = explicitFile ?? TEST_USER_FILE;
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    if (explicitFile) throw new UsageError(`--test-users: cannot read ${explicitFile}`);
  }
  if (text !== undefined) testUsers.push(...parseTestUserFile(text).ids);
  return defaultSettings({ language: lang, reportingYear, severity, testUsers });
}

/** Expands folders to the KPR candidates inside (XML and mapping files), in a stable order. */
export async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await fs.stat(p);
    } catch {
      throw new UsageError(`no such file or folder: ${p}`);
    }
    if (st.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile() && (/\.xml$/i.test(e.name) || isMappingPath(e.name))) out.push(full);
  }
  return out;
}

export async function runCheck(argv: string[], io: CliIO): Promise<number> {
  const { options, positionals } = parseArgs(argv, {
    format: { value: true, short: 'f' },
    year: { value: true },
    lang: { value: true },
    severity: { value: true, repeat: true },
    'test-users': { value: true },
    threads: { value: true },
    help: { short: 'h' },
  });
  if (options.help) {
    io.out(CHECK_USAGE + '\n');
    return 0;
  }
  const format = (options.format as string | undefined) ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, not '${format}'`);
  if (positionals.length === 0) throw new UsageError('kpr check needs at least one file or folder');
  const lang = resolveCliLang(options.lang as string | undefined, io.env);
  const settings = await settingsFromArgs(options, lang);
  const threads = options.threads === undefined ? 2 : Number(options.threads);
  if (threads !== 1 && threads !== 2) throw new UsageError(`--threads must be 1 or 2, not '${options.threads}'`);
  // Run from the sources (tests), there is no bundled worker: one thread.
  const split = threads === 2 ? bundledSplit(__dirname) : undefined;

  const explicit = new Set<string>();
  for (const p of positionals) {
    try {
      if ((await fs.stat(p)).isFile()) explicit.add(p);
    } catch {
      /* reported by expandPaths */
    }
  }
  const files = await expandPaths(positionals);
  const reports: FileReport[] = [];
  const summaries: { path: string; summary: DocumentSummary }[] = [];
  const mappings: MappingSource[] = [];
  for (const file of files) {
    if (isMappingPath(file)) {
      const mapping = await checkMappingFile(file, settings);
      reports.push({ file, kind: 'mapping', findings: mapping.findings, lines: mapping.lines });
      mappings.push({ path: file, rows: mapping.parsed.rows });
      continue;
    }
    const checked = await checkFile(file, settings, undefined, split);
    // Other XML in a folder is not ours to judge; a file named explicitly is reported either way.
    if (checked.result.kind === 'other' && !explicit.has(file)) continue;
    reports.push(fileReport(file, checked));
    if (checked.result.summary) summaries.push({ path: file, summary: checked.result.summary });
  }
  for (const pair of findPairs(summaries)) {
    const res = checkPair(pair.fag, pair.ide, settings);
    reports.find((r) => r.file === pair.fag.path)?.findings.push(...res.fagFindings);
    reports.find((r) => r.file === pair.ide.path)?.findings.push(...res.ideFindings);
  }
  for (const group of mappingGroups(mappings, summaries, explicit)) {
    const res = crossCheck(group.mappings, group.extracts, settings);
    for (const [file, found] of [...res.extractFindings, ...res.mappingFindings]) reports.find((r) => r.file === file)?.findings.push(...found);
  }
  for (const r of reports) r.findings.sort((a, b) => a.start - b.start);

  if (format === 'json') io.out(JSON.stringify(toJson(reports, lang)) + '\n');
  else if (format === 'sarif') io.out(JSON.stringify(toSarif(reports, lang), null, 2) + '\n');
  else io.out(toText(reports, lang));
  const errors = reports.some((r) => r.findings.some((f) => f.severity === Severity.Error));
  return errors ? 1 : 0;
}

/**
 * The report of a checked file. Its line positions are only needed to print findings: a file with findings
 * keeps its text until they are printed; a clean one (most of a folder; a whole-year file is tens of
 * megabytes of text) keeps nothing, and should the pairing or the mapping checks find something in it
 * later, it is read again for the positions.
 */
function fileReport(file: string, checked: CheckedFile): FileReport {
  let lines: LineIndex | undefined;
  let source: CheckedFile | undefined = checked.result.findings.length > 0 ? checked : undefined;
  return {
    file,
    kind: checked.result.kind,
    findings: checked.result.findings,
    get lines() {
      if (!lines) {
        lines = source ? source.lines : new LineIndex(decodeXml(readFileSync(file)).text);
        source = undefined;
      }
      return lines;
    },
  };
}

/**
 * Which mapping files are cross-checked against which extracts: the mapping files of one folder, together,
 * against the fagmelding extracts in that folder and below; mapping files named on the command line also
 * against the extracts named there.
 */
export function mappingGroups(
  mappings: readonly MappingSource[],
  summaries: readonly { path: string; summary: DocumentSummary }[],
  explicit: ReadonlySet<string>,
): { mappings: MappingSource[]; extracts: { path: string; summary: FagmeldingSummary }[] }[] {
  const fag = summaries.flatMap((s) => (s.summary.kind === 'fagmelding' ? [{ path: s.path, summary: s.summary }] : []));
  const byFolder = new Map<string, MappingSource[]>();
  for (const m of mappings) {
    const dir = path.dirname(m.path);
    const list = byFolder.get(dir);
    if (list) list.push(m);
    else byFolder.set(dir, [m]);
  }
  const groups = [];
  for (const ms of byFolder.values()) {
    const named = ms.some((m) => explicit.has(m.path));
    const extracts = fag.filter((x) => mappingApplies(ms[0].path, x.path) || (named && explicit.has(x.path)));
    if (extracts.length > 0) groups.push({ mappings: ms, extracts });
  }
  return groups;
}

export function resolveCliLang(flag: string | undefined, env: NodeJS.ProcessEnv): Lang {
  if (flag !== undefined) {
    if (flag !== 'nb' && flag !== 'en') throw new UsageError(`--lang must be nb or en, not '${flag}'`);
    return flag;
  }
  return langFromLocale(env.KPR_LANG || env.LC_ALL || env.LC_MESSAGES || env.LANG);
}

export function message(f: Finding, lang: Lang): string {
  return maskPersonIds(t(lang, f.key, f.args));
}

export function toDiagnostic(f: Finding, lines: LineIndex, lang: Lang): LspDiagnostic {
  return {
    range: { start: lines.positionAt(f.start), end: lines.positionAt(f.end) },
    severity: f.severity,
    code: f.code,
    source: 'kpr',
    message: message(f, lang),
    codeDescription: { href: docsUrl(f.code) },
  };
}

function toJson(reports: FileReport[], lang: Lang) {
  return {
    files: reports.map((r) => ({ file: r.file, kind: r.kind, diagnostics: r.findings.map((f) => toDiagnostic(f, r.lines, lang)) })),
  };
}

function toText(reports: FileReport[], lang: Lang): string {
  const out: string[] = [];
  let errors = 0;
  let warnings = 0;
  for (const r of reports) {
    if (r.kind === 'other' && r.findings.length === 0) {
      out.push(`${maskPersonIds(r.file)}: ${lang === 'nb' ? 'ikke et KPR-dokument (hoppet over)' : 'not a KPR document (skipped)'}`);
    }
    for (const f of r.findings) {
      const p = r.lines.positionAt(f.start);
      if (f.severity === Severity.Error) errors++;
      else if (f.severity === Severity.Warning) warnings++;
      // A file named after a person (fag-<fnr>.xml) must not print the number either; JSON and SARIF keep
      // the real path, which tools need to find the file.
      out.push(`${maskPersonIds(r.file)}:${p.line + 1}:${p.character + 1}: ${severityName(f.severity)} ${f.code}: ${message(f, lang)}`);
    }
  }
  const n = reports.length;
  out.push(
    lang === 'nb'
      ? `${n} ${n === 1 ? 'fil' : 'filer'} sjekket: ${errors} feil, ${warnings} advarsler.`
      : `${n} ${n === 1 ? 'file' : 'files'} checked: ${errors} ${errors === 1 ? 'error' : 'errors'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}.`,
  );
  return out.join('\n') + '\n';
}

const SARIF_LEVEL: Record<number, string> = { 1: 'error', 2: 'warning', 3: 'note', 4: 'note' };

function toSarif(reports: FileReport[], lang: Lang) {
  const codes = new Set<string>();
  for (const r of reports) for (const f of r.findings) codes.add(f.code);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kpr',
            informationUri: docsUrl(''),
            rules: [...codes].sort().map((id) => ({ id, helpUri: docsUrl(id) })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: reports.flatMap((r) =>
          r.findings.map((f) => {
            const s = r.lines.positionAt(f.start);
            const e = r.lines.positionAt(f.end);
            return {
              ruleId: f.code,
              level: SARIF_LEVEL[f.severity],
              message: { text: message(f, lang) },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: r.file.split(path.sep).join('/') },
                    region: { startLine: s.line + 1, startColumn: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 },
                  },
                },
              ],
            };
          }),
        ),
      },
    ],
  };
}
