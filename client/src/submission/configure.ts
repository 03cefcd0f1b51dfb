/**
 * "KPR: Configure Certificates and Passwords": one menu for what a sending needs. The municipality and the
 * certificate paths are settings (`kpr.*`, or the kpr.config.json they point to); the passphrases and the
 * AMQP password go only to SecretStorage. Every PKCS#12 file is opened with its passphrase by the language
 * server (`kpr/validateCertificate`) before the passphrase is kept, and what is wrong is said in plain
 * words: wrong passphrase, wrong certificate for the job, expired, another organisation's.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConfigInfo, SecretRequirement, SubmissionEnvironment, ValidateCertificateParams, ValidateCertificateResult } from '../../../server/src/lsp/protocol';
import type { KprApi } from '../api';
import { envLabel } from '../views/model/format';
import type { SecretVault } from './secrets';

type P12Role = 'signing' | 'decryption';
type KprRole = 'kpr-encryption' | 'kpr-signing';

const P12_SETTING: Record<P12Role, string> = { signing: 'certificates.signingP12', decryption: 'certificates.decryptionP12' };
const KPR_SETTING: Record<KprRole, string> = { 'kpr-encryption': 'certificates.kprEncryption', 'kpr-signing': 'certificates.kprSigning' };
const REAL_ENVS: readonly SubmissionEnvironment[] = ['test', 'qa', 'prod'];

export interface ConfigureDeps {
  api: KprApi;
  vault: SecretVault;
  log: vscode.LogOutputChannel;
}

function scope(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

function p12Label(role: P12Role): string {
  return role === 'signing' ? vscode.l10n.t('Signing certificate (PKCS#12)') : vscode.l10n.t('Decryption certificate (PKCS#12)');
}

/** A path as the setting keeps it: relative to the workspace folder when inside it. */
function settingPath(file: vscode.Uri): string {
  const folder = scope();
  if (folder && file.fsPath.startsWith(folder.fsPath + path.sep)) return path.relative(folder.fsPath, file.fsPath).split(path.sep).join('/');
  return file.fsPath;
}

async function writeSetting(key: string, value: unknown): Promise<void> {
  const target = scope() ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('kpr', scope()).update(key, value, target);
}

/** The result of a certificate check in plain words, for a message. */
export function describeValidation(r: ValidateCertificateResult, what: string): string {
  if (!r.certificate) return `${what}: ${r.problems.join(' ')}`;
  const c = r.certificate;
  const who = [c.subject, c.organization && c.organization !== c.subject ? c.organization : '', c.organizationNumber ? `org. ${c.organizationNumber}` : ''].filter(Boolean).join(', ');
  const valid = vscode.l10n.t('valid until {0}', c.validTo.slice(0, 10));
  const head = r.ok ? vscode.l10n.t('{0} is in order: {1}, {2}.', what, who, valid) : vscode.l10n.t('{0} cannot be used: {1}', what, r.problems.join(' '));
  return [head, ...r.notes].join(' ');
}

export async function configureCommand(deps: ConfigureDeps): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Certificates and passwords can only be set up in a trusted workspace.'));
    return;
  }
  for (;;) {
    const s = scope()?.toString();
    const infos = await Promise.all(REAL_ENVS.map((env) => deps.api.config(env, s)));
    const info = infos[0];
    const amqp = dedupe(infos.flatMap((i) => i.secrets.filter((r) => r.name === 'amqpPassword')));
    type Item = vscode.QuickPickItem & { run: () => Promise<void> };
    const m = info.municipality;
    const items: Item[] = [
      {
        label: `$(organization) ${vscode.l10n.t('Municipality')}`,
        description: m ? `${m.name} · HER-id ${m.herId}` : vscode.l10n.t('not set'),
        detail: info.sourceKind === 'none' ? (info.error ?? '') : vscode.l10n.t('From {0}', info.source),
        run: () => openMunicipality(info),
      },
    ];
    for (const role of ['signing', 'decryption'] as const) {
      const file = role === 'signing' ? info.certificates?.signingP12 : info.certificates?.decryptionP12;
      const req = info.secrets.find((r) => r.name === (role === 'signing' ? 'signP12Passphrase' : 'decryptP12Passphrase'));
      const stored = req ? await deps.vault.has(req) : false;
      items.push({
        label: `$(key) ${p12Label(role)}`,
        description: file ? path.basename(file) : vscode.l10n.t('not set'),
        detail: file ? (stored ? vscode.l10n.t('Passphrase kept in secure storage') : vscode.l10n.t('Passphrase not given yet')) : vscode.l10n.t('Choose the .p12/.pfx file of the enterprise certificate'),
        run: () => configureP12(deps, info, role),
      });
    }
    for (const req of amqp) {
      const stored = await deps.vault.has(req);
      items.push({
        label: `$(lock) ${vscode.l10n.t('AMQP password')}`,
        description: req.detail,
        detail: stored ? vscode.l10n.t('Kept in secure storage') : vscode.l10n.t('Not given yet'),
        run: () => setAmqpPassword(deps, req),
      });
    }
    items.push(
      {
        label: `$(verified) ${vscode.l10n.t('KPR\'s certificates')}`,
        description: REAL_ENVS.filter((_, i) => infos[i].certificates?.kprEncryptionCert)
          .map((e) => envLabel(e, vscode.l10n))
          .join(', '),
        detail: vscode.l10n.t('KPR\'s encryption and signing certificates per environment, from the Adresseregister'),
        run: () => configureKprCertificate(deps, infos),
      },
      { label: `$(checklist) ${vscode.l10n.t('Check Everything')}`, detail: vscode.l10n.t('Opens every certificate with its passphrase and says what is wrong'), run: () => checkEverything(deps, infos) },
      { label: `$(trash) ${vscode.l10n.t('Forget the Stored Passwords')}`, run: () => forgetAll(deps, infos) },
    );
    const chosen = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('KPR: Configure Certificates and Passwords'),
      placeHolder: vscode.l10n.t('Passwords are kept in VS Code\'s secure storage; certificate paths in the settings'),
      ignoreFocusOut: true,
    });
    if (!chosen) return;
    await chosen.run();
  }
}

function dedupe(reqs: SecretRequirement[]): SecretRequirement[] {
  const seen = new Set<string>();
  return reqs.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
}

async function openMunicipality(info: ConfigInfo): Promise<void> {
  if (info.sourceKind === 'file') {
    await vscode.window.showTextDocument(vscode.Uri.file(info.source));
    return;
  }
  const useFile = vscode.l10n.t('Use a kpr.config.json…');
  const settings = vscode.l10n.t('Fill In the Settings');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('The municipality is set in the settings (name, organisation number, HER-ids, AMQP user), or in a kpr.config.json shared with the command line.'),
    settings,
    useFile,
  );
  if (choice === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 'kpr.municipality');
  if (choice === useFile) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { JSON: ['json'] }, title: vscode.l10n.t('Choose kpr.config.json') });
    if (picked?.[0]) await writeSetting('configFile', settingPath(picked[0]));
  }
}

/** Asks for a passphrase until the file opens with it (or the user stops); keeps it only then. */
async function askPassphrase(deps: ConfigureDeps, params: ValidateCertificateParams, req: SecretRequirement): Promise<ValidateCertificateResult | undefined> {
  let again = false;
  for (let attempt = 0; attempt < 5; attempt++) {
    const passphrase = await deps.vault.prompt(req, again);
    if (passphrase === undefined) return undefined;
    const r = await deps.api.validateCertificate({ ...params, passphrase });
    if (r.wrongPassphrase) {
      again = true;
      continue;
    }
    if (r.certificate) await deps.vault.store({ id: r.secretId ?? req.id }, passphrase);
    return r;
  }
  return undefined;
}

async function configureP12(deps: ConfigureDeps, info: ConfigInfo, role: P12Role): Promise<void> {
  let file = role === 'signing' ? info.certificates?.signingP12 : info.certificates?.decryptionP12;
  if (info.sourceKind === 'file') {
    if (!file) {
      await vscode.window.showTextDocument(vscode.Uri.file(info.source));
      void vscode.window.showInformationMessage(vscode.l10n.t('Your configuration comes from {0}: set "{1}" there to the path of the .p12 file.', info.source, P12_SETTING[role]));
      return;
    }
  } else {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: file ? vscode.Uri.file(file) : scope(),
      filters: { [vscode.l10n.t('PKCS#12 certificate files')]: ['p12', 'pfx'] },
      title: p12Label(role),
      openLabel: vscode.l10n.t('Use This Certificate'),
    });
    if (!picked?.[0]) return;
    await writeSetting(P12_SETTING[role], settingPath(picked[0]));
    file = picked[0].fsPath;
  }
  const label = p12Label(role);
  const req: SecretRequirement = {
    name: role === 'signing' ? 'signP12Passphrase' : 'decryptP12Passphrase',
    id: `p12:${file}`,
    label: vscode.l10n.t('Passphrase of {0}', path.basename(file)),
    detail: file,
  };
  const r = await askPassphrase(deps, { path: file, role, ...(scope() ? { scopeUri: scope()!.toString() } : {}) }, req);
  if (!r) return;
  const text = describeValidation(r, label);
  deps.log.info(text);
  if (r.ok) void vscode.window.showInformationMessage(text + ' ' + vscode.l10n.t('The passphrase is kept in VS Code\'s secure storage.'));
  else void vscode.window.showErrorMessage(text);
}

async function setAmqpPassword(deps: ConfigureDeps, req: SecretRequirement): Promise<void> {
  const value = await deps.vault.prompt(req);
  if (value === undefined) return;
  await deps.vault.store(req, value);
  void vscode.window.showInformationMessage(
    vscode.l10n.t('The AMQP password for {0} is kept in VS Code\'s secure storage. It is tried the next time KPR connects to the service bus.', req.detail),
  );
}

async function configureKprCertificate(deps: ConfigureDeps, infos: ConfigInfo[]): Promise<void> {
  const info = infos[0];
  const env = await vscode.window.showQuickPick(
    REAL_ENVS.map((e) => ({ label: envLabel(e, vscode.l10n), env: e })),
    { title: vscode.l10n.t('KPR\'s certificates: which environment?') },
  );
  if (!env) return;
  const role = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('KPR\'s encryption certificate'), detail: vscode.l10n.t('The sending is encrypted to it (needed to send)'), role: 'kpr-encryption' as KprRole },
      { label: vscode.l10n.t('KPR\'s signing certificate'), detail: vscode.l10n.t('Proves that an Apprec comes from KPR'), role: 'kpr-signing' as KprRole },
    ],
    { title: envLabel(env.env, vscode.l10n) },
  );
  if (!role) return;
  if (info.sourceKind === 'file') {
    await vscode.window.showTextDocument(vscode.Uri.file(info.source));
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Your configuration comes from {0}: set "certificates.kpr.{1}.{2}" there.', info.source, env.env, role.role === 'kpr-encryption' ? 'encryptionCert' : 'signingCert'),
    );
    return;
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    defaultUri: scope(),
    filters: { [vscode.l10n.t('Certificates')]: ['pem', 'crt', 'cer', 'der'] },
    title: role.label,
  });
  if (!picked?.[0]) return;
  const r = await deps.api.validateCertificate({ path: picked[0].fsPath, role: role.role, ...(scope() ? { scopeUri: scope()!.toString() } : {}) });
  const text = describeValidation(r, role.label);
  if (!r.certificate) {
    void vscode.window.showErrorMessage(text);
    return;
  }
  const current = vscode.workspace.getConfiguration('kpr', scope()).get<Record<string, string>>(KPR_SETTING[role.role]) ?? {};
  await writeSetting(KPR_SETTING[role.role], { ...current, [env.env]: settingPath(picked[0]) });
  if (r.ok) void vscode.window.showInformationMessage(text);
  else void vscode.window.showErrorMessage(text);
}

async function checkEverything(deps: ConfigureDeps, infos: ConfigInfo[]): Promise<void> {
  const info = infos[0];
  const lines: string[] = [];
  let problems = 0;
  const scopeUri = scope()?.toString();
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('KPR: checking certificates and passwords') }, async () => {
    if (info.error) {
      lines.push(info.error);
      problems++;
    }
    for (const role of ['signing', 'decryption'] as const) {
      const file = role === 'signing' ? info.certificates?.signingP12 : info.certificates?.decryptionP12;
      if (!file) {
        lines.push(vscode.l10n.t('{0}: not set.', p12Label(role)));
        problems++;
        continue;
      }
      const req = info.secrets.find((r) => r.name === (role === 'signing' ? 'signP12Passphrase' : 'decryptP12Passphrase'));
      const passphrase = req ? await deps.vault.get(req) : undefined;
      if (passphrase === undefined) {
        lines.push(vscode.l10n.t('{0}: the passphrase is not given yet.', p12Label(role)));
        problems++;
        continue;
      }
      const r = await deps.api.validateCertificate({ path: file, role, passphrase, ...(scopeUri ? { scopeUri } : {}) });
      if (!r.ok) problems++;
      lines.push(describeValidation(r, p12Label(role)));
    }
    for (const [i, env] of REAL_ENVS.entries()) {
      const c = infos[i].certificates;
      for (const [role, file] of [
        ['kpr-encryption', c?.kprEncryptionCert],
        ['kpr-signing', c?.kprSigningCert],
      ] as const) {
        const what = role === 'kpr-encryption' ? vscode.l10n.t('KPR\'s encryption certificate for {0}', envLabel(env, vscode.l10n)) : vscode.l10n.t('KPR\'s signing certificate for {0}', envLabel(env, vscode.l10n));
        if (!file) {
          if (role === 'kpr-encryption') lines.push(vscode.l10n.t('{0}: not set (needed to send there).', what));
          continue;
        }
        const r = await deps.api.validateCertificate({ path: file, role, ...(scopeUri ? { scopeUri } : {}) });
        if (!r.ok) problems++;
        lines.push(describeValidation(r, what));
      }
    }
    for (const req of dedupe(infos.flatMap((x) => x.secrets.filter((r) => r.name === 'amqpPassword')))) {
      const stored = await deps.vault.has(req);
      if (!stored) problems++;
      lines.push(stored ? vscode.l10n.t('AMQP password for {0}: kept in secure storage.', req.detail) : vscode.l10n.t('AMQP password for {0}: not given yet.', req.detail));
    }
  });
  for (const l of lines) deps.log.info(l);
  const title = problems === 0 ? vscode.l10n.t('Everything a sending needs is in order.') : vscode.l10n.t('{0} things need attention before sending.', problems);
  const show = problems === 0 ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  await show(title, { modal: true, detail: lines.join('\n') });
}

async function forgetAll(deps: ConfigureDeps, infos: ConfigInfo[]): Promise<void> {
  const forget = vscode.l10n.t('Forget Them');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Forget the stored AMQP passwords and certificate passphrases of this workspace? You will be asked for them at the next sending.'),
    { modal: true },
    forget,
  );
  if (choice !== forget) return;
  for (const req of dedupe(infos.flatMap((i) => i.secrets))) await deps.vault.forget(req);
  void vscode.window.showInformationMessage(vscode.l10n.t('The stored passwords are forgotten.'));
}
