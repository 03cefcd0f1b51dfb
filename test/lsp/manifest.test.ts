/**
 * The extension manifest against the code: every setting, command and text the user sees exists in both
 * languages, and the settings match what the engine understands.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureBuilt } from '../support/build';
import { DEFAULT_TEST_NAMES, RULE_CODES } from '../../server/src/analysis/types';
import { DEFAULT_MAX_FINDINGS } from '../../server/src/lsp/settings';

const REPO = path.resolve(__dirname, '../..');
const read = (p: string) => fs.readFileSync(path.join(REPO, p), 'utf8');
const json = (p: string) => JSON.parse(read(p)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const pkg = json('package.json');
const properties = pkg.contributes.configuration.properties as Record<string, { default?: unknown; properties?: Record<string, { enum: string[] }> }>;

/** Every string in the manifest of the form %key%. */
function nlsKeys(v: unknown, out = new Set<string>()): Set<string> {
  if (typeof v === 'string') {
    const m = /^%([^%]+)%$/.exec(v);
    if (m) out.add(m[1]);
  } else if (Array.isArray(v)) v.forEach((x) => nlsKeys(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => nlsKeys(x, out));
  return out;
}

/** The client's TypeScript sources, sub-folders included (the view models live in client/src/views/model). */
function clientSources(dir = 'client/src'): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...clientSources(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** The literal first arguments of l10n.t(...) in the client's sources (vscode.l10n, or the L10n the view models get). */
function clientTexts(): Set<string> {
  const out = new Set<string>();
  for (const f of clientSources()) {
    const src = read(f);
    for (const m of src.matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) out.add(m[1].replace(/\\'/g, "'"));
  }
  return out;
}

describe('extension manifest', () => {
  it('has every %key% in English and bokmål, and nothing else', () => {
    const used = nlsKeys(pkg);
    const en = json('package.nls.json');
    const nb = json('package.nls.nb.json');
    for (const k of used) {
      assert.ok(k in en, `package.nls.json lacks ${k}`);
      assert.ok(k in nb, `package.nls.nb.json lacks ${k}`);
    }
    assert.deepEqual(Object.keys(nb).sort(), Object.keys(en).sort(), 'both languages have the same keys');
    assert.deepEqual(Object.keys(en).filter((k) => !used.has(k)), [], 'no unused keys');
  });

  it('offers a severity for every rule code, with the same choices the engine takes', () => {
    const severity = properties['kpr.rules.severity'].properties!;
    assert.deepEqual(Object.keys(severity).sort(), [...RULE_CODES].sort());
    for (const [code, p] of Object.entries(severity)) assert.deepEqual(p.enum, ['error', 'warning', 'information', 'hint', 'off'], code);
  });

  it('has the engine\'s defaults as the settings\' defaults', () => {
    assert.deepEqual(properties['kpr.testNames'].default, DEFAULT_TEST_NAMES);
    assert.equal(properties['kpr.maxFindings'].default, DEFAULT_MAX_FINDINGS);
    assert.equal(properties['kpr.language'].default, 'auto');
    assert.equal(properties['kpr.reportingYear'].default, null);
  });

  it('contributes exactly the commands the client registers, in category KPR', () => {
    const registered = [...read('client/src/extension.ts').matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]).sort();
    const contributed = (pkg.contributes.commands as { command: string; category: string }[]);
    assert.deepEqual(contributed.map((c) => c.command).sort(), registered);
    for (const c of contributed) assert.equal(c.category, 'KPR');
  });

  it('translates every text of the client into bokmål', () => {
    const texts = clientTexts();
    assert.ok(texts.size > 10);
    const bundle = json('l10n/bundle.l10n.nb.json');
    for (const t of texts) assert.ok(typeof bundle[t] === 'string' && bundle[t].length > 0, `l10n/bundle.l10n.nb.json lacks "${t}"`);
    assert.deepEqual(Object.keys(bundle).filter((k) => !texts.has(k)), [], 'no stale translations');
    for (const [en, nb] of Object.entries(bundle)) {
      const placeholders = (s: string) => (s.match(/\{\d+\}/g) ?? []).sort();
      assert.deepEqual(placeholders(nb as string), placeholders(en), `placeholders of "${en}"`);
    }
  });

  it('offers the submission commands, each enabled only in a trusted workspace', () => {
    const contributed = pkg.contributes.commands as { command: string; title: string; enablement?: string }[];
    const byId = new Map(contributed.map((c) => [c.command, c]));
    const en = json('package.nls.json');
    const nb = json('package.nls.nb.json');
    const titles: Record<string, [string, string]> = {
      'kpr.submitTest': ['Submit to Test', 'Send til test'],
      'kpr.submitQa': ['Submit to QA', 'Send til QA'],
      'kpr.submitProd': ['Submit to Production', 'Send til produksjon'],
      'kpr.submitLocal': ['Submit to Local Receiver', 'Send til lokal mottaker'],
      'kpr.showReport': ['Show Submission Report', 'Vis innsendingsrapport'],
      'kpr.configureSecrets': ['Configure Certificates and Passwords', 'Sett opp sertifikater og passord'],
    };
    for (const [id, [enTitle, nbTitle]] of Object.entries(titles)) {
      const c = byId.get(id);
      assert.ok(c, `${id} is contributed`);
      const key = /^%(.+)%$/.exec(c.title)![1];
      assert.equal(en[key], enTitle, id);
      assert.equal(nb[key], nbTitle, id);
    }
    for (const id of ['kpr.submitTest', 'kpr.submitQa', 'kpr.submitProd', 'kpr.submitLocal', 'kpr.configureSecrets', 'kpr.listenForApprecs', 'kpr.sendings.checkAgain']) {
      assert.equal(byId.get(id)!.enablement, 'isWorkspaceTrusted', `${id} needs a trusted workspace`);
    }
    // Diagnostics and the report work everywhere.
    for (const id of ['kpr.checkFileOnDisk', 'kpr.showReport']) assert.equal(byId.get(id)!.enablement, undefined, id);
    // Commands that need a tree item are not offered in the Command Palette.
    const palette = new Map((pkg.contributes.menus.commandPalette as { command: string; when: string }[]).map((m) => [m.command, m.when]));
    for (const id of ['kpr.sendings.showDetails', 'kpr.sendings.openFile', 'kpr.sendings.copyMsgId', 'kpr.sendings.checkAgain']) assert.equal(palette.get(id), 'false', id);
  });

  it('has a KPR side panel with the sendings view, its welcome and its menus', () => {
    const container = pkg.contributes.viewsContainers.activitybar.find((c: { id: string }) => c.id === 'kpr');
    assert.ok(container, 'activity bar container "kpr"');
    assert.ok(fs.existsSync(path.join(REPO, container.icon)), `${container.icon} exists`);
    assert.match(read(container.icon), /<svg[^>]*viewBox="0 0 24 24"/);
    const views = pkg.contributes.views.kpr as { id: string }[];
    assert.deepEqual(views.map((v) => v.id), ['kpr.sendings']);
    const welcome = pkg.contributes.viewsWelcome as { view: string; contents: string; when: string }[];
    const en = json('package.nls.json');
    const trusted = welcome.find((w) => w.when === 'isWorkspaceTrusted')!;
    const text = en[/^%(.+)%$/.exec(trusted.contents)![1]] as string;
    for (const link of ['command:workbench.action.files.openFolder', 'command:kpr.configureSecrets', 'command:kpr.submitLocal']) assert.ok(text.includes(link), link);
    assert.ok(welcome.some((w) => w.when === '!isWorkspaceTrusted'));
    const titleMenu = (pkg.contributes.menus['view/title'] as { command: string }[]).map((m) => m.command);
    for (const id of ['kpr.sendings.refresh', 'kpr.sendings.filter', 'kpr.sendings.clearFilter']) assert.ok(titleMenu.includes(id), id);
  });

  it('keeps certificate paths and bus addresses out of untrusted workspaces, and has a setting for every part of kpr.config.json', () => {
    const restricted = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations as string[];
    for (const key of [
      'kpr.configFile',
      'kpr.certificates.signingP12',
      'kpr.certificates.decryptionP12',
      'kpr.certificates.caFile',
      'kpr.certificates.kprEncryption',
      'kpr.certificates.kprSigning',
      'kpr.environments',
      'kpr.journalPath',
    ]) {
      assert.ok(restricted.includes(key), `${key} is restricted`);
      assert.ok(properties[key], `${key} is a setting`);
    }
    for (const key of ['municipality.name', 'municipality.orgNumber', 'municipality.herId', 'municipality.serviceHerId', 'municipality.serviceName', 'amqp.user', 'amqp.asyncQueue', 'amqp.errorQueue']) {
      assert.ok(properties[`kpr.${key}`], `kpr.${key}`);
    }
    // No setting may hold a secret: those live in SecretStorage only.
    for (const key of Object.keys(properties)) assert.doesNotMatch(key, /pass(word|phrase)|secret|token/i, key);
    const envs = (properties['kpr.certificates.kprEncryption'] as { properties: Record<string, unknown> }).properties;
    assert.deepEqual(Object.keys(envs).sort(), ['local', 'prod', 'qa', 'test']);
  });

  it('has a walkthrough whose steps show markdown that exists in English and bokmål', () => {
    const [walkthrough] = pkg.contributes.walkthroughs as { id: string; steps: { id: string; media: { markdown: string } }[] }[];
    assert.equal(walkthrough.id, 'kpr.gettingStarted');
    assert.deepEqual(
      walkthrough.steps.map((s) => s.id),
      ['kpr.openExtract', 'kpr.fixExpiredCode', 'kpr.rehearseLocal', 'kpr.submitQa'],
    );
    const en = json('package.nls.json');
    const nb = json('package.nls.nb.json');
    for (const step of walkthrough.steps) {
      const key = /^%(.+)%$/.exec(step.media.markdown)![1];
      for (const file of [en[key], nb[key]]) assert.ok(fs.existsSync(path.join(REPO, file)), `${file} exists`);
      assert.notEqual(en[key], nb[key], 'the Norwegian step has its own page');
    }
  });

  it('packages with vsce: a repository, and a package script that builds for production', () => {
    assert.ok(pkg.repository?.url, 'repository');
    assert.match(pkg.scripts.package, /build\.mjs --production/);
    assert.match(pkg.scripts.package, /vsce package --no-dependencies/);
    const ignore = read('.vscodeignore');
    assert.match(ignore, /^\*\*$/m, '.vscodeignore starts from nothing and whitelists');
  });

  it('ships every bundle the build makes (the worker of two-thread checks and the sending commands among them)', function () {
    this.timeout(60_000);
    ensureBuilt();
    const bundles = [...read('scripts/build.mjs').matchAll(/outfile: '([^']+)'/g)].map((m) => m[1]).sort();
    assert.deepEqual(bundles, ['dist/checkWorker.js', 'dist/cli-send.js', 'dist/cli.js', 'dist/client.js', 'dist/server.js']);
    // What `vsce package` would put in the .vsix (read offline from package.json and .vscodeignore).
    const vsce = path.join(REPO, 'node_modules', '.bin', 'vsce');
    const listed = execFileSync(vsce, ['ls', '--no-dependencies'], { cwd: REPO, encoding: 'utf8' }).split('\n').map((l) => l.trim());
    for (const b of bundles) assert.ok(listed.includes(b), `${b} is not in the .vsix`);
    assert.ok(listed.includes('schemas/kpr/IPLOS(2018)rev2018_10_10.xsd'), 'the schemas are in the .vsix');
  });

  it('points VS Code at the bundles and the translations', () => {
    assert.equal(pkg.main, './dist/client.js');
    assert.equal(pkg.l10n, './l10n');
    assert.equal(pkg.engines.vscode, '^1.100.0');
    assert.ok(pkg.activationEvents.includes('onLanguage:xml'));
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });
});
