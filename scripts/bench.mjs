#!/usr/bin/env node
// The benchmark the project reports (`npm run bench`). In one run it
//   1. builds the bundles (node scripts/build.mjs) unless --no-build,
//   2. generates the synthetic fixtures into .bench/ (cached by seed, size and generator source),
//   3. times `kpr check .bench/fag.xml` against `xmllint --nonet --noout --schema IPLOS.xsd .bench/fag.xml`,
//      alternating A B A B after a warm-up, with wall time and peak RSS (GNU time) of every run,
//   4. drives the real language server (dist/server.js over stdio): opens a 10 MB extract, then makes
//      one-character edits inside records with incremental didChange, each followed by a pull-diagnostics
//      request, and times each edit from sending didChange to the diagnostics response,
//   5. runs the CMS benchmark (scripts/bench/cms-bench.ts) when it exists,
//   6. runs the mapping-file benchmark (scripts/bench/mapping-bench.ts) against .bench/fag.xml when it exists,
// and prints a Markdown report, also written to .bench/results.md.
//
// Options: --runs N (pairs, default 7) --persons N (default 30000) --seed S (default 1)
//          --lsp-persons N (default 6000, ~10 MB) --edits N (default 40) --no-build --skip-check --skip-lsp --skip-cms
//          --skip-mapping
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = path.join(ROOT, '.bench');
const TIME = '/usr/bin/time';
const XSD = path.join(ROOT, 'schemas', 'kpr', 'IPLOS(2018)rev2018_10_10.xsd');
const YEAR = 2023;

// ---------------------------------------------------------------------------------------------------------
// Arguments and small helpers
// ---------------------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = { runs: 7, persons: 30000, seed: '1', lspPersons: 6000, edits: 40, build: true, check: true, lsp: true, cms: true, mapping: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) fail(`${a} needs a positive integer`);
      return n;
    };
    if (a === '--runs') o.runs = num();
    else if (a === '--persons') o.persons = num();
    else if (a === '--lsp-persons') o.lspPersons = num();
    else if (a === '--edits') o.edits = num();
    else if (a === '--seed') o.seed = String(argv[++i] ?? fail('--seed needs a value'));
    else if (a === '--no-build') o.build = false;
    else if (a === '--skip-check') o.check = false;
    else if (a === '--skip-lsp') o.lsp = false;
    else if (a === '--skip-cms') o.cms = false;
    else if (a === '--skip-mapping') o.mapping = false;
    else fail(`unknown argument ${a}`);
  }
  if (o.runs < 5) fail('--runs must be at least 5');
  if (o.edits < 30) fail('--edits must be at least 30');
  return o;
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Nearest-rank percentile. */
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const sec = (ms) => `${(ms / 1000).toFixed(3)} s`;
const msf = (ms) => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.error) throw r.error;
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Build and fixtures
// ---------------------------------------------------------------------------------------------------------

function build() {
  log('building (node scripts/build.mjs)');
  const r = run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail('the build failed');
}

/** The generator's own sources: a change in them invalidates the cached fixtures. */
function generatorHash() {
  const h = createHash('sha256');
  for (const f of ['test/fixtures/generator.ts', 'test/fixtures/rng.ts', 'scripts/generate-fixtures.ts']) {
    h.update(readFileSync(path.join(ROOT, f)));
  }
  return h.digest('hex').slice(0, 16);
}

/** Generates fag.xml/ide.xml into `dir` unless the ones there were made from the same inputs. */
function fixtures(dir, persons, seed) {
  const stamp = path.join(dir, 'fixture.json');
  const want = JSON.stringify({ persons, seed, year: YEAR, generator: generatorHash() });
  if (existsSync(stamp) && existsSync(path.join(dir, 'fag.xml')) && readFileSync(stamp, 'utf8') === want) {
    log(`fixtures in ${path.relative(ROOT, dir)} are current (${persons} persons, seed ${seed})`);
    return path.join(dir, 'fag.xml');
  }
  log(`generating ${persons} persons (seed ${seed}) into ${path.relative(ROOT, dir)}`);
  mkdirSync(dir, { recursive: true });
  const r = run('npx', ['tsx', 'scripts/generate-fixtures.ts', '--persons', String(persons), '--seed', seed, '--year', String(YEAR), '--out', dir], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) fail('generating the fixtures failed');
  writeFileSync(stamp, want);
  return path.join(dir, 'fag.xml');
}

// ---------------------------------------------------------------------------------------------------------
// kpr check against xmllint
// ---------------------------------------------------------------------------------------------------------

/** One run under GNU time: wall time measured here (ns clock); peak RSS (KiB) and CPU seconds from time. */
function timed(cmd, args, okStatus) {
  const out = path.join(BENCH, 'time.out');
  const t0 = process.hrtime.bigint();
  const r = run(TIME, ['-f', '%e %M %U %S', '-o', out, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!okStatus.includes(r.status)) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  const [, rss, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ');
  return { wallMs, rssKb: Number(rss), cpuMs: (Number(user) + Number(sys)) * 1000 };
}

function loadavg() {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

function checkBench(fag, runs) {
  if (!existsSync(TIME)) fail(`${TIME} is missing (Debian package 'time'; scripts/setup.sh installs it)`);
  const rel = path.relative(ROOT, fag);
  const kpr = [path.join(ROOT, 'dist', 'cli.js'), 'check', rel];
  // The same check on one thread, to show what reading on the two cores gives.
  const kpr1 = [path.join(ROOT, 'dist', 'cli.js'), 'check', '--threads', '1', rel];
  const xml = ['--nonet', '--noout', '--schema', path.relative(ROOT, XSD), rel];

  // What each side finds, so the reader knows both did the whole job on a valid file.
  const json = run(process.execPath, [...kpr.slice(0, 2), '--format', 'json', rel]);
  if (json.status !== 0 && json.status !== 1) fail(`kpr check failed (${json.status}):\n${json.stderr}`);
  const diags = JSON.parse(json.stdout).files.flatMap((f) => f.diagnostics);
  const json1 = run(process.execPath, [...kpr1.slice(0, 4), '--format', 'json', rel]);
  if (json1.stdout !== json.stdout) fail('kpr check gave other findings on one thread than on two');
  const lint = run('xmllint', xml, { stdio: ['ignore', 'ignore', 'pipe'] });
  const lintVerdict = lint.status === 0 ? 'valid' : `exit ${lint.status}: ${lint.stderr.trim().split('\n').slice(-1)[0]}`;

  log(`warm-up, then ${runs} alternating rounds`);
  timed(process.execPath, kpr, [0, 1]);
  timed('xmllint', xml, [0, 3, 4]);
  timed(process.execPath, kpr1, [0, 1]);
  const a = [];
  const b = [];
  const c = [];
  const load0 = loadavg();
  for (let i = 0; i < runs; i++) {
    a.push(timed(process.execPath, kpr, [0, 1]));
    b.push(timed('xmllint', xml, [0, 3, 4]));
    c.push(timed(process.execPath, kpr1, [0, 1]));
    log(`round ${i + 1}: kpr ${sec(a[i].wallMs)}, xmllint ${sec(b[i].wallMs)}, kpr on one thread ${sec(c[i].wallMs)}`);
  }
  const ratios = a.map((x, i) => x.wallMs / b[i].wallMs);
  const ratios1 = c.map((x, i) => x.wallMs / b[i].wallMs);
  return { rel, a, b, c, ratios, ratios1, diags, lintVerdict, load: [load0, loadavg()] };
}

function checkReport(r, runs) {
  const row = (label, xs) => {
    const w = xs.map((x) => x.wallMs);
    const m = xs.map((x) => x.rssKb);
    const c = xs.map((x) => x.cpuMs);
    return `| ${label} | ${sec(median(w))} | ${sec(Math.min(...w))} | ${sec(Math.max(...w))} | ${sec(median(c))} | ${mb(median(m))} (max ${mb(Math.max(...m))}) |`;
  };
  const counts = { 1: 0, 2: 0, 3: 0, 4: 0 };
  for (const d of r.diags) counts[d.severity]++;
  const size = readFileSync(path.join(ROOT, r.rel)).length;
  return [
    `### \`kpr check\` against \`xmllint --schema\``,
    '',
    `File: \`${r.rel}\`, ${(size / 1e6).toFixed(1)} MB. ${runs} runs each, in turn after one warm-up run of each; wall time`,
    `and peak RSS per run from GNU time. Load average (1/5/15 min) before: ${r.load[0]}, after: ${r.load[1]}.`,
    '',
    '| command | wall, median | wall, min | wall, max | CPU (user+sys), median | peak RSS, median |',
    '|---|---|---|---|---|---|',
    row(`\`node dist/cli.js check ${r.rel}\``, r.a),
    row(`\`xmllint --nonet --noout --schema ${path.relative(ROOT, XSD)} ${r.rel}\``, r.b),
    row(`\`node dist/cli.js check --threads 1 ${r.rel}\``, r.c),
    '',
    `Ratio kpr / xmllint, per pair: **median ${median(r.ratios).toFixed(2)}×** (min ${Math.min(...r.ratios).toFixed(2)}, max ${Math.max(...r.ratios).toFixed(2)};`,
    `pairs: ${r.ratios.map((x) => x.toFixed(2)).join(', ')}). CPU time ratio: ${(median(r.a.map((x) => x.cpuMs)) / median(r.b.map((x) => x.cpuMs))).toFixed(2)}×.`,
    `On one thread (\`--threads 1\`): median ${median(r.ratios1).toFixed(2)}× xmllint's wall time; the findings are the same (compared before timing).`,
    '',
    `Findings of \`kpr check\` on the file: ${r.diags.length} (errors ${counts[1]}, warnings ${counts[2]}, information ${counts[3]}, hints ${counts[4]}); xmllint: ${r.lintVerdict}.`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// The language server
// ---------------------------------------------------------------------------------------------------------

/** A minimal JSON-RPC 2.0 client over a child's stdio with LSP framing (Content-Length headers). */
class LspClient {
  constructor(child) {
    this.child = child;
    this.nextId = 1;
    this.pending = new Map();
    this.buffer = Buffer.alloc(0);
    this.notifications = [];
    this.onNotification = () => {};
    this.requestHandlers = new Map();
    child.stdout.on('data', (chunk) => this.receive(chunk));
    child.on('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`the language server exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  receive(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd === -1) return;
      const m = /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'));
      if (!m) throw new Error('bad LSP header from the server');
      const len = Number(m[1]);
      if (this.buffer.length < headerEnd + 4 + len) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + len);
      this.dispatch(JSON.parse(body));
    }
  }

  dispatch(msg) {
    if (msg.id !== undefined && msg.method === undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result);
    } else if (msg.id !== undefined) {
      // A request from the server (configuration, capability registration, refresh): answer it.
      const h = this.requestHandlers.get(msg.method);
      this.write({ jsonrpc: '2.0', id: msg.id, result: h ? h(msg.params) : null });
    } else {
      this.onNotification(msg.method, msg.params);
    }
  }

  write(msg) {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  request(method, params, timeoutMs = 120_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method, params) {
    this.write({ jsonrpc: '2.0', method, params });
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so the edit positions repeat between runs. */
function prng(seed) {
  let a = [...String(seed)].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 0x9e3779b9);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values inside records whose digits the edits change: one digit of each, in place. */
const EDITABLE = ['<tjTimerUke>', '<peAlder>', '<fnFunkVerdi>', '<tjVedtDato>', '<diFraDato>', '<peFraDato>', '<tjTjenType>', '<fnFunkType>'];

function pickEdit(text, rnd) {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const tag = EDITABLE[Math.floor(rnd() * EDITABLE.length)];
    const from = text.indexOf('<PERSON', Math.floor(rnd() * text.length * 0.98));
    if (from === -1) continue;
    const at = text.indexOf(tag, from);
    const end = at === -1 ? -1 : text.indexOf('<', at + tag.length);
    if (at === -1 || end === -1) continue;
    const digits = [];
    for (let i = at + tag.length; i < end; i++) if (text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) digits.push(i);
    if (digits.length === 0) continue;
    const offset = digits[Math.floor(rnd() * digits.length)];
    const old = text.charCodeAt(offset) - 48;
    const digit = String((old + 1 + Math.floor(rnd() * 9)) % 10);
    return { offset, digit, tag };
  }
  throw new Error('found no value to edit');
}

function lineStarts(text) {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionAt(starts, offset) {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

async function lspBench(fag, edits, seed) {
  const server = path.join(ROOT, 'dist', 'server.js');
  if (!existsSync(server)) throw new Error('dist/server.js is missing (build first)');
  // KPR_BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server.
  const nodeArgs = (process.env.KPR_BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, server, '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const client = new LspClient(child);
  const status = [];
  client.onNotification = (method, params) => {
    if (method === 'kpr/status') status.push(params);
  };
  client.requestHandlers.set('workspace/configuration', (p) => (p?.items ?? []).map(() => null));
  try {
    const folder = path.dirname(fag);
    const uri = pathToFileURL(fag).href;
    await client.request('initialize', {
      processId: process.pid,
      clientInfo: { name: 'kpr-bench' },
      rootUri: pathToFileURL(folder).href,
      workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'bench' }],
      initializationOptions: { locale: 'en' },
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, diagnostics: { refreshSupport: false } },
        textDocument: {
          synchronization: { dynamicRegistration: false, didSave: false },
          diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
          publishDiagnostics: { relatedInformation: true },
        },
      },
    });
    client.notify('initialized', {});

    let text = readFileSync(fag, 'utf8');
    const starts = lineStarts(text);
    let version = 1;
    let t0 = performance.now();
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'xml', version, text } });
    let report = await client.request('textDocument/diagnostic', { textDocument: { uri } });
    const openMs = performance.now() - t0;
    if (report?.kind !== 'full') throw new Error(`the server answered the first pull with ${JSON.stringify(report)?.slice(0, 200)}`);
    const openItems = report.items.length;
    let resultId = report.resultId;

    const rnd = prng(`${seed}:lsp`);
    const times = [];
    const engine = [];
    const itemCounts = [];
    for (let i = 0; i < edits; i++) {
      const e = pickEdit(text, rnd);
      // Digits replace digits, so line starts never move.
      text = text.slice(0, e.offset) + e.digit + text.slice(e.offset + 1);
      const range = { start: positionAt(starts, e.offset), end: positionAt(starts, e.offset + 1) };
      version++;
      const seen = status.length;
      t0 = performance.now();
      client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: e.digit }] });
      report = await client.request('textDocument/diagnostic', { textDocument: { uri }, previousResultId: resultId });
      times.push(performance.now() - t0);
      if (report?.kind !== 'full') throw new Error(`edit ${i + 1}: expected a full report after a change, got ${report?.kind}`);
      resultId = report.resultId;
      itemCounts.push(report.items.length);
      const st = status.slice(seen).find((s) => s.version === version);
      if (st) engine.push(st.ms);
    }
    await client.request('shutdown', null, 10_000).catch(() => {});
    const exited = new Promise((resolve) => child.once('exit', resolve));
    client.notify('exit', null);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    return { rel: path.relative(ROOT, fag), size: Buffer.byteLength(text), openMs, openItems, times, engine, itemCounts };
  } catch (err) {
    err.message += stderr ? `\nserver stderr (last lines):\n${stderr}` : '';
    throw err;
  } finally {
    setTimeout(() => child.kill(), 2000).unref();
  }
}

function lspReport(r) {
  const t = r.times;
  const lines = [
    `### Language server: diagnostics after a one-character edit`,
    '',
    `The real server (\`node dist/server.js --stdio\`), \`${r.rel}\` (${(r.size / 1e6).toFixed(1)} MB) opened, then ${t.length}`,
    `one-digit edits at random places inside records (tjTimerUke, peAlder, dates, …) sent as incremental`,
    '`didChange`, each followed at once by a `textDocument/diagnostic` pull; time from sending `didChange` to the answer.',
    '',
    '| measure | value |',
    '|---|---|',
    `| open → first diagnostics (full analysis) | ${msf(r.openMs)} (${r.openItems} diagnostics) |`,
    `| edit → diagnostics, median | **${msf(median(t))}** |`,
    `| edit → diagnostics, p90 | ${msf(percentile(t, 90))} |`,
    `| edit → diagnostics, min / max | ${msf(Math.min(...t))} / ${msf(Math.max(...t))} |`,
  ];
  if (r.engine.length > 0) lines.push(`| analysis inside the server (kpr/status ms), median | ${msf(median(r.engine))} |`);
  lines.push(`| diagnostics per answer, min / max | ${Math.min(...r.itemCounts)} / ${Math.max(...r.itemCounts)} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  mkdirSync(BENCH, { recursive: true });
  if (opts.build) build();
  if (!existsSync(path.join(ROOT, 'dist', 'cli.js'))) fail('dist/cli.js is missing: run without --no-build');
  const benchFag = fixtures(BENCH, opts.persons, opts.seed);

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const xmllintVersion = (run('xmllint', ['--version']).stderr.split('\n')[0] ?? '').trim();
  const sections = [
    `## Benchmark`,
    '',
    `\`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB,`,
    `Node ${process.version}, ${xmllintVersion}. Fixtures: \`scripts/generate-fixtures.ts --seed ${opts.seed} --year ${YEAR}\` (synthetic persons).`,
  ];

  if (opts.check) {
    const check = checkBench(benchFag, opts.runs);
    sections.push('', checkReport(check, opts.runs));
  }

  if (opts.lsp) {
    const lspFag = fixtures(path.join(BENCH, 'lsp'), opts.lspPersons, opts.seed);
    log(`language server: ${opts.edits} edits on ${path.relative(ROOT, lspFag)}`);
    try {
      sections.push('', lspReport(await lspBench(lspFag, opts.edits, opts.seed)));
    } catch (err) {
      sections.push('', '### Language server', '', `Not measured: ${err.message}`);
      log(`language server benchmark failed: ${err.message}`);
      process.exitCode = 1;
    }
  }

  const cms = path.join(ROOT, 'scripts', 'bench', 'cms-bench.ts');
  if (opts.cms && existsSync(cms)) {
    log('CMS benchmark (scripts/bench/cms-bench.ts)');
    const r = run('npx', ['tsx', cms, benchFag, '--runs', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    sections.push('', '### Sign + encrypt (CMS) against OpenSSL', '');
    if (r.status === 0) sections.push(`\`npx tsx scripts/bench/cms-bench.ts .bench/fag.xml --runs 5\`:`, '', '```', r.stdout.trim(), '```');
    else {
      sections.push(`Not measured: cms-bench exited with ${r.status}.`, '', '```', (r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n'), '```');
      process.exitCode = 1;
    }
  }

  const mapping = path.join(ROOT, 'scripts', 'bench', 'mapping-bench.ts');
  if (opts.mapping && existsSync(mapping)) {
    log('mapping-file benchmark (scripts/bench/mapping-bench.ts)');
    const r = run('npx', ['tsx', mapping, '--extract', benchFag, '--rows', '10000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    sections.push('');
    if (r.status === 0) sections.push(r.stdout.trim(), '', `(\`npx tsx scripts/bench/mapping-bench.ts --extract .bench/fag.xml --rows 10000\`)`);
    else {
      sections.push('### Mapping files', '', `Not measured: mapping-bench exited with ${r.status}.`, '', '```', (r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n'), '```');
      process.exitCode = 1;
    }
  }

  const md = sections.join('\n') + '\n';
  writeFileSync(path.join(BENCH, 'results.md'), md);
  process.stdout.write(md);
  log('written to .bench/results.md');
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  process.exit(1);
});
