/**
 * Listening for Apprecs: "KPR: Listen for Apprecs" (start or stop per environment), and the quiet start
 * behind "Check again". The listener runs in the language server; this asks for the two secrets it needs
 * (the AMQP password and the decryption passphrase) and shows the outcome.
 */
import * as vscode from 'vscode';
import type { ListenerStateParams, SecretName, SubmissionEnvironment } from '../../../server/src/lsp/protocol';
import type { KprApi } from '../api';
import { envLabel } from '../views/model/format';
import { connectionWord } from '../views/model/listener';
import type { ListenerStatus } from '../views/listenerStatus';
import type { SecretVault } from './secrets';

const LISTENER_SECRETS: readonly SecretName[] = ['amqpPassword', 'decryptP12Passphrase'];
const ENVS: readonly SubmissionEnvironment[] = ['prod', 'qa', 'test', 'local'];

export class ListenerController {
  constructor(
    private readonly api: KprApi,
    private readonly vault: SecretVault,
    private readonly status: ListenerStatus,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  isActive(env: string): boolean {
    const s = this.status.get(env)?.state;
    return s === 'connected' || s === 'connecting' || s === 'reconnecting';
  }

  /** Starts listening; asks for missing secrets (and again for a refused one). Undefined when the user stopped. */
  async start(env: SubmissionEnvironment, opts: { quiet?: boolean } = {}): Promise<ListenerStateParams | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Listening for Apprecs needs a trusted workspace.'));
      return undefined;
    }
    const scope = vscode.workspace.workspaceFolders?.[0]?.uri.toString();
    const config = await this.api.config(env, scope);
    if (config.error && config.sourceKind !== 'local-receiver') {
      void vscode.window.showErrorMessage(config.error);
      return undefined;
    }
    let renew: SecretName | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const secrets = await this.vault.collect(config.secrets, { only: LISTENER_SECRETS, ...(renew ? { renew } : {}) });
      if (!secrets) return undefined;
      const state = await this.api.listen({ env, action: 'start', secrets, ...(scope ? { scopeUri: scope } : {}) });
      this.status.update(state);
      if (state.trust) this.log.info(state.trust);
      if (state.state === 'disconnected') {
        if (state.badSecret) {
          renew = state.badSecret;
          const retry = vscode.l10n.t('Type It Again');
          const choice = await vscode.window.showErrorMessage(state.reason ?? '', retry);
          if (choice === retry) continue;
          return state;
        }
        void vscode.window.showErrorMessage(vscode.l10n.t('KPR cannot listen for Apprecs from {0}: {1}', envLabel(env, vscode.l10n), state.reason ?? ''));
        return state;
      }
      if (!opts.quiet) void vscode.window.showInformationMessage(vscode.l10n.t('Listening for Apprecs from {0}. They show in the KPR side panel as they come.', envLabel(env, vscode.l10n)));
      return state;
    }
    return undefined;
  }

  async stop(env: SubmissionEnvironment): Promise<void> {
    const state = await this.api.listen({ env, action: 'stop' });
    this.status.update(state);
  }

  /** The command: pick an environment; start it, or stop it when it is listened to already. */
  async pick(): Promise<void> {
    type Item = vscode.QuickPickItem & { env: SubmissionEnvironment };
    const items: Item[] = ENVS.map((env) => {
      const s = this.status.get(env)?.state ?? 'stopped';
      const active = this.isActive(env);
      return {
        env,
        label: active ? vscode.l10n.t('Stop listening to {0}', envLabel(env, vscode.l10n)) : vscode.l10n.t('Listen to {0}', envLabel(env, vscode.l10n)),
        description: connectionWord(s, vscode.l10n),
      };
    });
    const chosen = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('KPR: Apprecs'), placeHolder: vscode.l10n.t('Where should KPR listen for Apprecs?') });
    if (!chosen) return;
    if (this.isActive(chosen.env)) await this.stop(chosen.env);
    else await this.start(chosen.env);
  }
}
