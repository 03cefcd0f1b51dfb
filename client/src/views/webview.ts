/** Webview plumbing shared by the KPR panels: a fresh nonce per render and the options every panel uses. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { langFromLocale } from '../../../server/src/i18n';

export function nonce(): string {
  return randomBytes(18).toString('base64');
}

/** Scripts on (for the buttons), no local files readable: the pages need none. */
export function webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [], retainContextWhenHidden: false, enableFindWidget: true };
}

/** The page language: VS Code's display language, as the server's messages follow it by default. */
export function pageLang(): string {
  return langFromLocale(vscode.env.language);
}
