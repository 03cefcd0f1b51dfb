/**
 * What the Problems panel should show, from an independent path through the same engine: `kpr check
 * --format json` run on the files on disk. The editor and the command line must agree finding for finding
 * (file, line, column, severity, code and message), so a scenario compares the screen with this list.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ProblemRow, REPO } from './harness';

interface CliDiagnostic {
  range: { start: { line: number; character: number } };
  severity: number;
  code: string;
  message: string;
}

const SEVERITY: Record<number, ProblemRow['severity'] | undefined> = { 1: 'error', 2: 'warning', 3: 'info' };

export type ExpectedProblem = Omit<ProblemRow, 'hasQuickFix' | 'source'>;

/** `kpr check` on workspace-relative files; hints are left out because the Problems panel does not list them. */
export function cliProblems(workspace: string, files: string[], lang: 'en' | 'nb' = 'en'): ExpectedProblem[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'check', '--format', 'json', '--lang', lang, ...files], {
      cwd: workspace,
      encoding: 'utf8',
    });
  } catch (e) {
    // Exit code 1 means "errors found"; the JSON is still on stdout.
    const err = e as { status?: number; stdout?: string; message: string };
    if (err.status !== 1 || !err.stdout) throw new Error(`kpr check failed: ${err.message}`);
    out = err.stdout;
  }
  const parsed = JSON.parse(out) as { files: Array<{ file: string; diagnostics: CliDiagnostic[] }> };
  return parsed.files.flatMap((f) =>
    f.diagnostics
      .filter((d) => SEVERITY[d.severity])
      .map((d) => ({
        file: path.relative(workspace, path.resolve(workspace, f.file)),
        severity: SEVERITY[d.severity]!,
        code: String(d.code),
        message: d.message,
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
      })),
  );
}

/** Problems in a stable order, without the parts the command line does not have. */
export function comparable(rows: Array<ExpectedProblem | ProblemRow>): ExpectedProblem[] {
  return rows
    .map(({ file, severity, code, message, line, column }) => ({ file, severity, code, message, line, column }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}
