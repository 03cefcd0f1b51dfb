/**
 * The grammar and snippets are data the editor loads; these tests check what can go wrong without VS Code:
 * the JSON loads, every pattern compiles, the scopes fall on the right cells, and every snippet row is a
 * clean mapping row.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkMapping } from '../../../server/src/mapping';
import { HEADER } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');
const grammar = JSON.parse(readFileSync(path.join(ROOT, 'syntaxes/kpr-mapping.tmLanguage.json'), 'utf8'));
const snippets = JSON.parse(readFileSync(path.join(ROOT, 'snippets/kpr-mapping.json'), 'utf8'));

/** Oniguruma's inline case-insensitive group, which JavaScript before ES2025 lacks, as a flag. */
function jsRegExp(source: string): RegExp {
  const insensitive = source.includes('(?i:');
  return new RegExp(source.replace(/\(\?i:/g, '(?:'), insensitive ? 'i' : '');
}

function allPatterns(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) allPatterns(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') out.push(v);
      else allPatterns(v, out);
    }
  }
  return out;
}

/** The cell texts a repository rule's `match` picks in a line, by its capture 1 (value rules). */
function cellMatches(rule: string, line: string): string[] {
  const re = new RegExp(jsRegExp(grammar.repository[rule].match).source, 'g');
  return [...line.matchAll(re)].map((m) => m[1]);
}

describe('mapping: editor assets', () => {
  it('the grammar loads and every pattern compiles', () => {
    assert.equal(grammar.scopeName, 'source.kpr-mapping');
    const patterns = allPatterns(grammar);
    assert.ok(patterns.length > 10);
    for (const p of patterns) assert.doesNotThrow(() => jsRegExp(p), p);
  });

  it('tells the header, comments, dates, org numbers, codes and quoted strings apart', () => {
    const header = jsRegExp(grammar.repository.header.match);
    assert.ok(header.test(HEADER));
    assert.ok(header.test('Local code,KPR code,Org number'));
    assert.ok(!header.test('HSP01;Hjemmesykepleie sone nord;15;974589095;;;'));
    assert.ok(!header.test('FRI01;Frisør;-;;;;'), 'a row without digits but without column names is no header');
    assert.ok(jsRegExp(grammar.repository.comment.match).test('  # kommentar'));
    const row = 'HSP01;Hjemmesykepleie sone nord;15;974589095;2023-01-01;31.12.2023;20240101';
    assert.deepEqual(cellMatches('date', row), ['2023-01-01', '31.12.2023', '20240101']);
    assert.deepEqual(cellMatches('org-number', row), ['974589095']);
    assert.deepEqual(cellMatches('service-code', row), ['15']);
    assert.deepEqual(cellMatches('not-reported', 'FRI01;Frisør;-;;;;'), ['-']);
    const semicolon = jsRegExp(grammar.repository['row-semicolon'].match).exec('LTO01;"Langtidsopphold; avd. 2";21;974589095');
    assert.ok(semicolon);
    assert.equal(semicolon[3], '"Langtidsopphold; avd. 2"', 'a quoted delimiter stays in its column');
    assert.equal(semicolon[5], '21');
    const comma = jsRegExp(grammar.repository['row-comma'].match).exec('HSP01,"Hjemmesykepleie, nord",15');
    assert.equal(comma?.[5], '15');
    assert.equal(jsRegExp(grammar.repository['row-comma'].match).exec('A;B,C'), null, 'a line with ";" is a ;-row');
  });

  it('every snippet is a clean mapping row under the documented header', () => {
    const expand = (body: string[]) =>
      body.join('\n').replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\{\d+\}/g, '').replace(/\$\d+/g, '');
    const prefixes = Object.values(snippets).map((s) => (s as { prefix: string }).prefix);
    assert.deepEqual(prefixes, ['kprmap-header', 'kprmap-home-nursing', 'kprmap-housing', 'kprmap-alarm', 'kprmap-gps', 'kprmap-not-reported']);
    const [head, ...rows] = Object.values(snippets) as { body: string[] }[];
    const text = expand(head.body) + rows.map((r) => expand(r.body)).join('');
    assert.ok(text.includes(HEADER));
    assert.deepEqual(checkMapping(text), []);
    assert.match(text, /;15;974589095;/);
    assert.match(text, /;29;;/);
    assert.match(text, /;6;974589095;/);
    assert.match(text, /;26;;/);
  });
});
