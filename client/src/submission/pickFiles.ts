/**
 * Which files to send or report on: a QuickPick of the workspace's fagmeldinger and identmeldinger, with
 * the active file and its pair already ticked, so Enter sends the pair the analyst is looking at.
 */
import * as vscode from 'vscode';
import type { KprApi } from '../api';
import { CandidateRow, candidateRows, choiceProblem, pairOf } from '../views/model/candidates';

/** Folders that never hold an extract to send (the local receiver's own folder included). */
const EXCLUDE = '**/{node_modules,.git,.kpr,.vscode-test,out,dist}/**';

export async function workspaceCandidates(api: KprApi, extra: vscode.Uri[] = []): Promise<{ uri: string; kind: 'fagmelding' | 'identmelding'; lopenr?: string; envelope: boolean }[]> {
  const found = await vscode.workspace.findFiles('**/*.{xml,XML}', EXCLUDE, 2000);
  const uris = [...new Set([...found, ...extra].filter((u) => u.scheme === 'file').map((u) => u.toString()))];
  return api.candidates(uris);
}

function relative(uri: string): string {
  return vscode.workspace.asRelativePath(vscode.Uri.parse(uri), true);
}

/** The XML file on disk the user last had in front of them: a webview in front of it still means that file. */
let lastXml: vscode.Uri | undefined;

export function trackActiveXml(): vscode.Disposable {
  const note = (e: vscode.TextEditor | undefined) => {
    if (e && e.document.uri.scheme === 'file' && e.document.languageId === 'xml') lastXml = e.document.uri;
  };
  note(vscode.window.activeTextEditor);
  return vscode.window.onDidChangeActiveTextEditor(note);
}

export interface PickOptions {
  title: string;
  /** What to do in the QuickPick, e.g. "Tick … to send". */
  placeholder: string;
  /** The file the command was started on (explorer, editor), else the active editor's. */
  target?: vscode.Uri;
  /** Skip the QuickPick when the target is a KPR file: take it and its pair. */
  pairWithoutAsking?: boolean;
}

/** The chosen files as URIs, or undefined when the user stopped or there is nothing to choose. */
export async function pickKprFiles(api: KprApi, o: PickOptions): Promise<vscode.Uri[] | undefined> {
  const target = o.target ?? vscode.window.activeTextEditor?.document.uri ?? lastXml;
  const candidates = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('KPR: looking for extracts') },
    () => workspaceCandidates(api, target ? [target] : []),
  );
  if (candidates.length === 0) {
    const open = vscode.l10n.t('Open File…');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('No fagmelding or identmelding was found in the workspace. Open the folder with the year\'s extract first.'),
      open,
    );
    if (choice === open) await vscode.commands.executeCommand('workbench.action.files.openFile');
    return undefined;
  }
  if (o.pairWithoutAsking && target) {
    const pair = pairOf(candidates, target.toString());
    if (pair.length > 0) return pair.map((c) => vscode.Uri.parse(c.uri));
  }
  const rows = candidateRows(candidates, target?.toString(), relative, vscode.l10n);
  type Item = vscode.QuickPickItem & { row: CandidateRow };
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = o.title;
  qp.placeholder = o.placeholder;
  qp.canSelectMany = true;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.ignoreFocusOut = true;
  const items: Item[] = rows.map((row) => ({ label: row.label, description: row.description, detail: row.detail, picked: row.picked, row }));
  qp.items = items;
  qp.selectedItems = items.filter((i) => i.row.picked);
  return new Promise<vscode.Uri[] | undefined>((resolve) => {
    let done = false;
    qp.onDidAccept(() => {
      const chosen = qp.selectedItems.map((i) => i.row);
      const problem = choiceProblem(chosen, vscode.l10n);
      if (problem) {
        void vscode.window.showWarningMessage(problem);
        return;
      }
      done = true;
      qp.hide();
      resolve(chosen.map((r) => vscode.Uri.parse(r.uri)));
    });
    // The title says what is wrong with the choice as it is being made (one of each kind at most).
    qp.onDidChangeSelection((sel) => {
      const problem = sel.length > 0 ? choiceProblem(sel.map((i) => i.row), vscode.l10n) : undefined;
      qp.title = problem ? `${o.title} – ${problem}` : o.title;
    });
    qp.onDidHide(() => {
      qp.dispose();
      if (!done) resolve(undefined);
    });
    qp.show();
  });
}
