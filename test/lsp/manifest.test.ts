/**
 * The extension manifest against the code: every setting, command and text the user sees exists in both
 * languages, and the settings match what the engine understands.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
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

/** The literal first arguments of vscode.l10n.t(...) in the client's sources. */
function clientTexts(): Set<string> {
  const out = new Set<string>();
  for (const f of fs.readdirSync(path.join(REPO, 'client/src'))) {
    if (!f.endsWith('.ts')) continue;
    const src = read(path.join('client/src', f));
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

  it('points VS Code at the bundles and the translations', () => {
    assert.equal(pkg.main, './dist/client.js');
    assert.equal(pkg.l10n, './l10n');
    assert.equal(pkg.engines.vscode, '^1.100.0');
    assert.ok(pkg.activationEvents.includes('onLanguage:xml'));
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });
});
