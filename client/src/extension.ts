/**
 * The VS Code side of KPR: starts the language server, and adds the commands, the KPR side panel (sendings
 * and their Apprecs), the report and detail pages, and the status items. Every check, sending and receipt
 * is handled in the server; the extension host only asks, forwards and shows.
 */
import * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import { createCancellationFolder, FileCancellationSender } from '../../server/src/lsp/cancellation';
import {
  APPREC_RECEIVED_NOTIFICATION,
  ApprecReceivedParams,
  LISTENER_STATE_NOTIFICATION,
  ListenerStateParams,
  SENDINGS_CHANGED_NOTIFICATION,
  SendingInfo,
  STATUS_NOTIFICATION,
  StatusParams,
  SUBMIT_PROGRESS_NOTIFICATION,
  SubmissionEnvironment,
  SubmitProgressParams,
} from '../../server/src/lsp/protocol';
import { KprApi } from './api';
import { checkFileOnDisk, DISK_COLLECTION } from './checkFileOnDisk';
import { createLanguageClient } from './languageClient';
import { maskedLogChannel } from './log';
import { SecretRegistry } from './masking';
import { KprStatusItem } from './statusItem';
import { configureCommand } from './submission/configure';
import { ListenerController } from './submission/listen';
import { pickKprFiles, trackActiveXml } from './submission/pickFiles';
import { SecretVault } from './submission/secrets';
import { submitCommand, SubmitProgressHub } from './submission/submit';
import { ListenerStatus } from './views/listenerStatus';
import { ReportPanel } from './views/reportPanel';
import { copyMsgId, openSentFile, SendingPanel } from './views/sendingPanel';
import { SendingsView } from './views/sendingsView';

let client: LanguageClient | undefined;
let cancellation: FileCancellationSender | undefined;

/** A sending given to a command: from a tree item (a node with its sending) or from the detail page (a MsgId). */
function sendingOf(view: SendingsView, arg: unknown): SendingInfo | undefined {
  if (typeof arg === 'string') return view.find(arg);
  if (arg && typeof arg === 'object' && 'sending' in arg) return (arg as { sending: SendingInfo }).sending;
  if (arg && typeof arg === 'object' && 'msgId' in arg) return view.find(String((arg as { msgId: unknown }).msgId));
  return undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const secrets = new SecretRegistry();
  const channel = maskedLogChannel(vscode.window.createOutputChannel('KPR', { log: true }), secrets);
  context.subscriptions.push(channel);
  cancellation = new FileCancellationSender(createCancellationFolder());
  const lc = createLanguageClient(context, channel, cancellation);
  client = lc;
  const api = new KprApi(lc);
  const vault = new SecretVault(context.secrets, secrets);

  const status = new KprStatusItem();
  const listenerStatus = new ListenerStatus();
  const disk = vscode.languages.createDiagnosticCollection(DISK_COLLECTION);
  const sendings = new SendingsView(api, context.workspaceState, channel);
  const listeners = new ListenerController(api, vault, listenerStatus, channel);
  const checkAgain = async (s: SendingInfo) => {
    if (!listeners.isActive(s.env)) await listeners.start(s.env as SubmissionEnvironment, { quiet: true });
    await sendings.refresh();
    const now = sendings.find(s.msgId);
    if (now && (now.state === 'sent' || now.state === 'sending-unconfirmed')) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No Apprec yet for {0}. KPR listens for it now; it shows here as soon as it comes.', now.msgId));
    }
  };
  const icon = vscode.Uri.joinPath(context.extensionUri, 'media', 'kpr.svg');
  const detail = new SendingPanel({ find: (id) => sendings.find(id), checkAgain }, icon);
  const report = new ReportPanel(api, channel, icon);
  const progress = new SubmitProgressHub();
  const showReport = async (uris: vscode.Uri[]) => report.show(uris);
  const submitDeps = {
    api,
    vault,
    log: channel,
    disk,
    progress,
    onSent: () => sendings.scheduleRefresh(0),
    showReport,
  };
  const submit = (env: SubmissionEnvironment) => (uri?: vscode.Uri) => submitCommand(submitDeps, env, uri);

  context.subscriptions.push(
    status,
    listenerStatus,
    disk,
    sendings,
    detail,
    report,
    lc.onNotification(STATUS_NOTIFICATION, (s: StatusParams) => status.update(s)),
    lc.onNotification(SUBMIT_PROGRESS_NOTIFICATION, (p: SubmitProgressParams) => progress.emit(p)),
    lc.onNotification(LISTENER_STATE_NOTIFICATION, (p: ListenerStateParams) => listenerStatus.update(p)),
    lc.onNotification(SENDINGS_CHANGED_NOTIFICATION, () => sendings.scheduleRefresh()),
    lc.onNotification(APPREC_RECEIVED_NOTIFICATION, (p: ApprecReceivedParams) => {
      channel.info(p.message);
      sendings.scheduleRefresh(0);
      if (!p.isNew) return;
      const show = vscode.l10n.t('Show Apprec');
      const bad = p.kind !== 'apprec' || p.state === 'rejected' || p.state === 'accepted-with-errors';
      const notify = bad ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      void notify(p.message, ...(p.msgId && (p.kind === 'apprec' || p.kind === 'transport-error') ? [show] : [])).then(async (choice) => {
        if (choice === show && p.msgId) {
          await sendings.refresh();
          detail.show(p.msgId);
        }
      });
    }),
    sendings.onDidLoad(() => detail.update()),
    lc.onDidChangeState((e) => {
      if (e.newState === State.Starting) {
        status.reset();
        listenerStatus.reset();
      }
      if (e.newState === State.Running) sendings.scheduleRefresh(0);
    }),
    // Findings from disk describe the file as it was; once it is edited the live diagnostics take over.
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) disk.delete(e.document.uri);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => sendings.scheduleRefresh(0)),
    trackActiveXml(),
    vscode.commands.registerCommand('kpr.checkFileOnDisk', (uri?: vscode.Uri) => checkFileOnDisk(lc, disk, channel, uri)),
    vscode.commands.registerCommand('kpr.restartServer', async () => {
      channel.info('Restarting the KPR language server');
      await lc.restart();
    }),
    vscode.commands.registerCommand('kpr.showOutput', () => channel.show(true)),
    vscode.commands.registerCommand('kpr.submitTest', submit('test')),
    vscode.commands.registerCommand('kpr.submitQa', submit('qa')),
    vscode.commands.registerCommand('kpr.submitProd', submit('prod')),
    vscode.commands.registerCommand('kpr.submitLocal', submit('local')),
    vscode.commands.registerCommand('kpr.showReport', async (uri?: vscode.Uri) => {
      const uris = await pickKprFiles(api, {
        title: vscode.l10n.t('KPR: choose the files for the submission report'),
        placeholder: vscode.l10n.t('Tick the fagmelding and/or the identmelding to report on, then press Enter'),
        target: uri instanceof vscode.Uri ? uri : undefined,
        pairWithoutAsking: true,
      });
      if (uris && uris.length > 0) await report.show(uris);
    }),
    vscode.commands.registerCommand('kpr.configureSecrets', () => configureCommand({ api, vault, log: channel })),
    vscode.commands.registerCommand('kpr.listenForApprecs', () => listeners.pick()),
    vscode.commands.registerCommand('kpr.sendings.refresh', () => sendings.refresh()),
    vscode.commands.registerCommand('kpr.sendings.filter', () => sendings.chooseFilter()),
    vscode.commands.registerCommand('kpr.sendings.clearFilter', () => sendings.setFilter(undefined)),
    vscode.commands.registerCommand('kpr.sendings.showDetails', (arg: unknown) => {
      const s = sendingOf(sendings, arg);
      if (s) detail.show(s.msgId);
    }),
    vscode.commands.registerCommand('kpr.sendings.openFile', async (arg: unknown) => {
      const s = sendingOf(sendings, arg);
      if (s) await openSentFile(s);
    }),
    vscode.commands.registerCommand('kpr.sendings.copyMsgId', async (arg: unknown) => {
      const s = sendingOf(sendings, arg);
      if (s) await copyMsgId(s);
    }),
    vscode.commands.registerCommand('kpr.sendings.checkAgain', async (arg: unknown) => {
      const s = sendingOf(sendings, arg);
      if (s) await checkAgain(s);
    }),
  );

  try {
    await lc.start();
  } catch (err) {
    // The client has told the user already, once, with a way to this output (languageClient.ts).
    channel.error(err instanceof Error ? err : String(err));
  }
}

export async function deactivate(): Promise<void> {
  try {
    await client?.stop();
  } finally {
    client = undefined;
    cancellation?.dispose();
    cancellation = undefined;
  }
}
