/**
 * "KPR: Submit to Test / QA / Production / Local Receiver": choose the files, check them as the sending will
 * (stop on errors, ask about warnings), ask before resending content that still waits for its Apprec, ask
 * for an explicit confirmation before production, then send with progress (cancellable until a message is
 * handed to the bus) and say what happened in plain words. The work itself runs in the language server
 * (`kpr/preflight`, `kpr/submit`); this module asks, shows and forwards.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type {
  ConfigInfo,
  PreflightFile,
  PreflightResult,
  SecretName,
  SubmissionEnvironment,
  SubmitParams,
  SubmitProgressParams,
  SubmitResult,
} from '../../../server/src/lsp/protocol';
import type { KprApi } from '../api';
import { envLabel, formatPeriod, formatTime } from '../views/model/format';
import { pickKprFiles } from './pickFiles';
import type { SecretVault } from './secrets';

/** Routes `kpr/submitProgress` notifications to the run they belong to. */
export class SubmitProgressHub {
  private readonly listeners = new Map<string, (p: SubmitProgressParams) => void>();

  on(submissionId: string, listener: (p: SubmitProgressParams) => void): () => void {
    this.listeners.set(submissionId, listener);
    return () => this.listeners.delete(submissionId);
  }

  emit(p: SubmitProgressParams): void {
    this.listeners.get(p.submissionId)?.(p);
  }
}

export interface SubmitDeps {
  api: KprApi;
  vault: SecretVault;
  log: vscode.LogOutputChannel;
  /** The Problems collection for findings of files checked from disk. */
  disk: vscode.DiagnosticCollection;
  progress: SubmitProgressHub;
  /** After anything was recorded: refresh the side panel. */
  onSent(result: SubmitResult): void;
  showReport(uris: vscode.Uri[]): Promise<void>;
}

const fmt = (n: number | undefined) => (n ?? 0).toLocaleString(vscode.env.language);

function isCancellation(err: unknown): boolean {
  return err instanceof vscode.CancellationError || (typeof err === 'object' && err !== null && (err as { code?: number }).code === -32800);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The whole flow for one environment. Resolves with the server's result, or undefined when stopped early. */
export async function submitCommand(deps: SubmitDeps, env: SubmissionEnvironment, target?: vscode.Uri): Promise<SubmitResult | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Sending to KPR needs a trusted workspace. Trust this folder first (Manage Workspace Trust).'));
    return undefined;
  }
  const where = envLabel(env, vscode.l10n);
  const uris = await pickKprFiles(deps.api, {
    title: vscode.l10n.t('KPR: choose what to send to {0}', where),
    placeholder: vscode.l10n.t('Tick the fagmelding and/or the identmelding to send, then press Enter'),
    target: target instanceof vscode.Uri ? target : undefined,
  });
  if (!uris || uris.length === 0) return undefined;
  if (!(await saveIfDirty(uris))) return undefined;

  let pre: PreflightResult;
  try {
    pre = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('KPR: checking before sending to {0}', where), cancellable: true },
      (_p, token) =>
        deps.api.preflight(
          uris.map((u) => u.toString()),
          env,
          token,
        ),
    );
  } catch (err) {
    if (isCancellation(err)) return undefined;
    deps.log.error(`kpr/preflight: ${message(err)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('KPR could not check the files: {0}', message(err)));
    return undefined;
  }
  if (!(await preflightAllows(deps, pre, uris))) return undefined;
  const force = await askAboutPending(pre);
  if (force === undefined) return undefined;
  if (env === 'prod' && !(await confirmProduction(pre))) return undefined;

  const expectedSha256: Record<string, string> = {};
  for (const f of pre.files) if (f.sha256) expectedSha256[f.uri] = f.sha256;
  let renew: SecretName | undefined;
  let forced = force;
  for (let attempt = 0; attempt < 4; attempt++) {
    const secrets = await deps.vault.collect(pre.config.secrets, renew ? { renew } : {});
    if (!secrets) return undefined;
    const params: SubmitParams = { submissionId: randomUUID(), uris: uris.map((u) => u.toString()), env, force: forced, expectedSha256, secrets };
    let result: SubmitResult;
    try {
      result = await sendWithProgress(deps, vscode.l10n.t('KPR: sending to {0}', where), params);
    } catch (err) {
      deps.log.error(`kpr/submit: ${message(err)}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('KPR could not send: {0}', message(err)));
      return undefined;
    }
    deps.onSent(result);
    if (result.refused && result.badSecret) {
      renew = result.badSecret;
      const retry = vscode.l10n.t('Type It Again');
      const choice = await vscode.window.showErrorMessage(result.refused, retry);
      if (choice !== retry) return result;
      continue;
    }
    if (result.refused && result.refusedKey === 'journal.resendRefused' && !forced) {
      const again = vscode.l10n.t('Send Again Anyway');
      const choice = await vscode.window.showWarningMessage(result.refused, { modal: true }, again);
      if (choice !== again) return result;
      forced = true;
      continue;
    }
    showOutcome(deps, result, where);
    return result;
  }
  return undefined;
}

/** Unsaved changes would not be sent: save first, or stop. */
async function saveIfDirty(uris: vscode.Uri[]): Promise<boolean> {
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && uris.some((u) => u.toString() === d.uri.toString()));
  if (dirty.length === 0) return true;
  const save = vscode.l10n.t('Save and Continue');
  const names = dirty.map((d) => vscode.workspace.asRelativePath(d.uri)).join(', ');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('{0} has unsaved changes. KPR sends the file as it is on disk.', names),
    { modal: true },
    save,
  );
  if (choice !== save) return false;
  for (const d of dirty) if (!(await d.save())) return false;
  return true;
}

/** Puts the pre-flight's findings in the Problems panel and opens it. */
async function showProblems(deps: SubmitDeps, files: readonly PreflightFile[]): Promise<void> {
  for (const f of files) {
    const uri = vscode.Uri.parse(f.uri);
    const diagnostics = await deps.api.client.protocol2CodeConverter.asDiagnostics(f.diagnostics);
    for (const d of diagnostics) d.source = 'kpr (disk)';
    deps.disk.set(uri, diagnostics);
  }
  await vscode.commands.executeCommand('workbench.actions.view.problems');
}

/** Stops on anything that makes the sending impossible, and asks about warnings. */
async function preflightAllows(deps: SubmitDeps, pre: PreflightResult, uris: vscode.Uri[]): Promise<boolean> {
  const unusable = pre.files.filter((f) => f.error);
  if (unusable.length > 0 || pre.problems.length > 0) {
    void vscode.window.showErrorMessage([...unusable.map((f) => f.error!), ...pre.problems].join(' '));
    return false;
  }
  if (!(await configAllows(pre.config))) return false;

  const errors = pre.files.reduce((n, f) => n + f.counts.error, 0);
  const warnings = pre.files.reduce((n, f) => n + f.counts.warning, 0);
  const showProblemsLabel = vscode.l10n.t('Show Problems');
  const showReportLabel = vscode.l10n.t('Show Report');
  if (errors > 0) {
    const which = pre.files.filter((f) => f.counts.error > 0).map((f) => f.name).join(', ');
    const choice = await vscode.window.showErrorMessage(
      vscode.l10n.t('The check found {0} errors in {1}. KPR does not send files with errors: fix them first.', fmt(errors), which),
      showProblemsLabel,
      showReportLabel,
    );
    if (choice === showProblemsLabel) await showProblems(deps, pre.files);
    if (choice === showReportLabel) await deps.showReport(uris);
    return false;
  }
  if (warnings > 0) {
    const send = vscode.l10n.t('Send Anyway');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('The check found {0} warnings. Send anyway?', fmt(warnings)),
      { modal: true, detail: vscode.l10n.t('Warnings do not stop KPR from receiving the files, but they often mean something is registered wrong. Look at them in the Problems panel or the submission report first if you are unsure.') },
      send,
      showProblemsLabel,
      showReportLabel,
    );
    if (choice === showProblemsLabel) await showProblems(deps, pre.files);
    if (choice === showReportLabel) await deps.showReport(uris);
    return choice === send;
  }
  return true;
}

/** The configuration must name the municipality and the files a sending needs. */
async function configAllows(config: ConfigInfo): Promise<boolean> {
  const configure = vscode.l10n.t('Configure Certificates and Passwords');
  const settings = vscode.l10n.t('Open Settings');
  if (config.error || config.missingSettings.length > 0) {
    const text = config.error ?? vscode.l10n.t('The configuration ({0}) lacks what a sending needs: {1}.', config.source, config.missingSettings.join(', '));
    const choice = await vscode.window.showErrorMessage(text, configure, settings);
    if (choice === configure) await vscode.commands.executeCommand('kpr.configureSecrets');
    if (choice === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 'kpr.');
    return false;
  }
  return true;
}

/** True: send again although the same content waits for its Apprec; false: nothing pending; undefined: stop. */
async function askAboutPending(pre: PreflightResult): Promise<boolean | undefined> {
  const pending = pre.files.filter((f) => f.pending);
  if (pending.length === 0) return false;
  const where = envLabel(pre.env, vscode.l10n);
  const lines = pending.map((f) =>
    vscode.l10n.t('{0} was sent to {1} {2} (MsgId {3}) and still waits for its Apprec.', f.name, where, formatTime(f.pending!.sentAt ?? f.pending!.createdAt, vscode.env.language), f.pending!.msgId),
  );
  const again = vscode.l10n.t('Send Again Anyway');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('The same content is already on its way to KPR.'),
    {
      modal: true,
      detail: lines.join('\n') + '\n\n' + vscode.l10n.t('KPR\'s letter says not to send again before the Apprec of the last sending has been checked. The Apprecs show in the KPR side panel.'),
    },
    again,
  );
  return choice === again ? true : undefined;
}

/** Production is the real register: the analyst confirms, with the municipality, the period and the counts in front of them. */
async function confirmProduction(pre: PreflightResult): Promise<boolean> {
  const m = pre.config.municipality;
  const lines: string[] = [];
  if (m) lines.push(vscode.l10n.t('Municipality: {0}', m.orgNumber ? `${m.name} (${m.orgNumber})` : m.name));
  const period = pre.files.map((f) => f.period).find((p) => p && (p.from || p.to));
  if (period) lines.push(vscode.l10n.t('Period: {0}', formatPeriod(period, vscode.env.language)));
  for (const f of pre.files) {
    if (f.type === 'KPR_IPL') lines.push(vscode.l10n.t('Fagmelding {0}: {1} persons, {2} services', f.name, fmt(f.persons), fmt(f.services)));
    else lines.push(vscode.l10n.t('Identmelding {0}: {1} persons', f.name, fmt(f.idents)));
  }
  if (pre.config.target) lines.push(vscode.l10n.t('Receiver: KPR, HER-id {0}', pre.config.target.receiverHerId));
  if (pre.config.target?.uncertain.includes('busUrl')) {
    lines.push(vscode.l10n.t('Note: the production bus address {0} is the default, not confirmed by NHN. Set kpr.environments.prod.busUrl when NHN has confirmed it.', pre.config.target.busUrl));
  }
  const send = vscode.l10n.t('Send to Production');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Send to PRODUCTION? This is the real register.'),
    { modal: true, detail: lines.join('\n') },
    send,
  );
  return choice === send;
}

/**
 * Sends with ONE progress notification. Its Cancel button works while cancelling is safe; once a message is
 * handed to the bus the sending can no longer be stopped, and a Cancel then only hides the notification.
 *
 * It is one notification on purpose: VS Code shows at most three new toasts within 800 ms and drops the rest
 * to the notification centre, so a second, Cancel-less notification (added the moment the message reached
 * the bus) right after the pre-flight's made the "Sent to …" confirmation of a fast, second sending of the
 * session (no password to type in between) the fourth, unseen one.
 */
export async function sendWithProgress(deps: SubmitDeps, title: string, params: SubmitParams): Promise<SubmitResult> {
  const cts = new vscode.CancellationTokenSource();
  let cancellable = true;
  let update: ((p: SubmitProgressParams) => void) | undefined;
  const off = deps.progress.on(params.submissionId, (p) => {
    // Once a message is on the bus the run is not cancelled any more: half a pair is worse than a whole one.
    cancellable = cancellable && p.cancellable;
    update?.(p);
  });
  const request = deps.api.submit(params, cts.token);
  const done = request.then(
    () => undefined,
    () => undefined,
  );
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => {
        if (cancellable) cts.cancel();
        else deps.log.info(`kpr/submit ${params.submissionId}: Cancel pressed after a message reached the bus; the sending goes on`);
      });
      update = (p) =>
        progress.report({
          message: cancellable ? p.message : `${p.message} ${vscode.l10n.t('(can no longer be cancelled)')}`,
        });
      return done;
    });
    return await request;
  } finally {
    off();
    cts.dispose();
  }
}

/** The result in plain words, with the next step. */
function showOutcome(deps: SubmitDeps, result: SubmitResult, where: string): void {
  const showSendings = vscode.l10n.t('Show Sendings');
  const open = (choice: string | undefined) => {
    if (choice === showSendings) void vscode.commands.executeCommand('kpr.sendings.focus');
  };
  if (result.refused) {
    if (result.refusedKey === 'submit.cancelled') {
      void vscode.window.showInformationMessage(result.refused);
      return;
    }
    deps.log.warn(`kpr/submit refused: ${result.refused}`);
    void vscode.window.showErrorMessage(result.refused).then(open);
    return;
  }
  const sent = result.sendings.filter((s) => s.state === 'sent');
  if (result.ok) {
    const list = sent.map((s) => `${s.name} (${s.type}, MsgId ${s.msgId})`).join(', ');
    const next = result.listening
      ? vscode.l10n.t('KPR answers each with an Apprec, usually within minutes; it shows in the KPR side panel. Do not send again before it has been checked.')
      : vscode.l10n.t('KPR answers each with an Apprec; use "KPR: Listen for Apprecs" to receive it. Do not send again before it has been checked.');
    void vscode.window.showInformationMessage(vscode.l10n.t('Sent to {0}: {1}.', where, list) + ' ' + next, showSendings).then(open);
    return;
  }
  const lines = result.sendings.map((s) => {
    switch (s.state) {
      case 'sent':
        return vscode.l10n.t('{0}: sent (MsgId {1}).', s.name, s.msgId ?? '');
      case 'unconfirmed':
        return vscode.l10n.t('{0}: may have arrived; the service bus did not confirm it (MsgId {1}). Wait for its Apprec before sending it again.', s.name, s.msgId ?? '');
      case 'cancelled':
        return vscode.l10n.t('{0}: not sent (cancelled).', s.name);
      case 'not-attempted':
        return vscode.l10n.t('{0}: not sent, because the sending before it failed.', s.name);
      case 'failed':
        return vscode.l10n.t('{0}: not sent: {1}', s.name, s.error ?? '');
    }
  });
  void vscode.window.showWarningMessage(lines.join(' '), showSendings).then(open);
}
