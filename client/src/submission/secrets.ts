/**
 * The municipality's secrets (the AMQP password and the PKCS#12 passphrases) live only in VS Code's
 * SecretStorage (the operating system's keychain). They are asked for once, in a password box, and sent
 * to the language server only with the request that needs them. Each is kept under the id the server
 * gives it (the PKCS#12 file's path, the AMQP user at its host), so a passphrase follows its file.
 */
import * as vscode from 'vscode';
import type { SecretName, SecretRequirement, SubmissionSecrets } from '../../../server/src/lsp/protocol';
import type { SecretRegistry } from '../masking';

const PREFIX = 'kpr.secret.';

export class SecretVault {
  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly registry: SecretRegistry,
  ) {}

  private key(req: Pick<SecretRequirement, 'id'>): string {
    return PREFIX + req.id;
  }

  async get(req: Pick<SecretRequirement, 'id'>): Promise<string | undefined> {
    const v = await this.storage.get(this.key(req));
    this.registry.add(v);
    return v;
  }

  async has(req: Pick<SecretRequirement, 'id'>): Promise<boolean> {
    return (await this.storage.get(this.key(req))) !== undefined;
  }

  async store(req: Pick<SecretRequirement, 'id'>, value: string): Promise<void> {
    this.registry.add(value);
    await this.storage.store(this.key(req), value);
  }

  async forget(req: Pick<SecretRequirement, 'id'>): Promise<void> {
    await this.storage.delete(this.key(req));
  }

  /** Asks for a secret in a password box. `again` says the last one was refused. */
  async prompt(req: SecretRequirement, again = false): Promise<string | undefined> {
    const value = await vscode.window.showInputBox({
      title: req.label,
      prompt: again
        ? vscode.l10n.t('It was refused. Type it again ({0}). It is kept in VS Code\'s secure storage, never in settings or files.', req.detail)
        : vscode.l10n.t('For {0}. It is kept in VS Code\'s secure storage, never in settings or files.', req.detail),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.length === 0 ? vscode.l10n.t('Type the password, or press Escape to stop.') : undefined),
    });
    if (value === undefined) return undefined;
    this.registry.add(value);
    return value;
  }

  /**
   * The secrets for these requirements: stored ones as they are, missing ones (and `renew`) asked for and
   * stored. Undefined when the user stops at a prompt.
   */
  async collect(reqs: readonly SecretRequirement[], opts: { only?: readonly SecretName[]; renew?: SecretName } = {}): Promise<SubmissionSecrets | undefined> {
    const out: SubmissionSecrets = {};
    for (const req of reqs) {
      if (opts.only && !opts.only.includes(req.name)) continue;
      let value = opts.renew === req.name ? undefined : await this.get(req);
      if (value === undefined) {
        value = await this.prompt(req, opts.renew === req.name);
        if (value === undefined) return undefined;
        await this.store(req, value);
      }
      out[req.name] = value;
    }
    return out;
  }
}
