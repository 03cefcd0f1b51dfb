/**
 * Benchmark: our CMS sign+encrypt (and decrypt+verify) against the OpenSSL pipeline on the same file.
 *
 *   npx tsx scripts/bench/cms-bench.ts [file] [--runs 5] [--size-mb 49]
 *
 * Without a file it generates a ~49 MB IPLOS-like XML file with synthetic persons. Our side runs in a
 * child `node` process (this script bundled with esbuild, so tsx's start-up is not measured) and reports
 * the in-process time of read + signAndEncrypt + write; the whole child wall time is shown as well.
 * Peak RSS comes from /usr/bin/time -v when present, else from process.resourceUsage() in the child.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCertificate, loadPrivateKey } from '../../server/src/submit/crypto/certificates';
import { decryptAndVerify, signAndEncrypt } from '../../server/src/submit/crypto/cms';
import { createTestPki } from '../../test/support/pki';

interface RunResult {
  wallMs: number;
  opMs?: number;
  maxRssMb?: number;
}

const TIME = '/usr/bin/time';

function child(args: string[]): void {
  const [mode, pkiDir, input, output] = args;
  const read = (name: string) => fs.readFileSync(path.join(pkiDir, name));
  const t0 = process.hrtime.bigint();
  if (mode === 'sign') {
    const signer = {
      cert: loadCertificate(read('municipality-signing.crt')),
      key: loadPrivateKey(read('municipality-signing.key')),
      chain: [loadCertificate(read('issuing-ca.crt'))],
    };
    const recipient = loadCertificate(read('kpr-encryption.crt'));
    fs.writeFileSync(output, signAndEncrypt(fs.readFileSync(input), signer, recipient));
  } else {
    const recipient = { cert: loadCertificate(read('kpr-encryption.crt')), key: loadPrivateKey(read('kpr-encryption.key')) };
    const expectedSigner = loadCertificate(read('municipality-signing.crt'));
    fs.writeFileSync(output, decryptAndVerify(fs.readFileSync(input), recipient, { expectedSigner }).content);
  }
  const opMs = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ opMs, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

function timed(command: string, args: string[], useTime: boolean): RunResult & { stdout: string } {
  const start = process.hrtime.bigint();
  const r = useTime
    ? spawnSync(TIME, ['-v', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${r.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  return { wallMs, maxRssMb: rss ? Number(rss[1]) / 1024 : undefined, stdout: r.stdout };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** IPLOS-like XML: one <Person> per synthetic person, with Norwegian letters, until `bytes` is reached. */
function generateXml(file: string, bytes: number): void {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, '<?xml version="1.0" encoding="UTF-8"?>\n<Melding xmlns="http://www.kith.no/xmlstds/iplos/2018">\n');
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const id = String(10_000_000 + i);
    const parts = [`  <Person id="${id}">\n    <Ident>${id}</Ident>\n    <Kommune>Øvre Testdal</Kommune>\n`];
    for (let t = 0; t < 8; t++) {
      parts.push(
        `    <Tjeneste type="${(11 + t) % 40}" start="2024-0${1 + (t % 9)}-01" slutt="2024-12-31" timer="${(i * 7 + t) % 37}.5">` +
          `<Vurdering dato="2024-02-1${t}" funksjon="${t % 5}" beskrivelse="Ærlig vurdering av bistandsbehov, søknad nr ${i}-${t}"/></Tjeneste>\n`,
      );
    }
    parts.push('  </Person>\n');
    const chunk = parts.join('');
    fs.writeSync(fd, chunk);
    written += Buffer.byteLength(chunk);
  }
  fs.writeSync(fd, '</Melding>\n');
  fs.closeSync(fd);
}

function main(argv: string[]): void {
  let file: string | undefined;
  let runs = 5;
  let sizeMb = 49;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--size-mb') sizeMb = Number(argv[++i]);
    else file = argv[i];
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-cms-bench-'));
  try {
    const pkiDir = path.join(tmp, 'pki');
    fs.mkdirSync(pkiDir);
    createTestPki(pkiDir);
    if (!file) {
      file = path.join(tmp, 'fagmelding.xml');
      generateXml(file, sizeMb * 1024 * 1024);
    }
    const size = fs.statSync(file).size;

    // Bundle this script so the child is plain node (no TypeScript compilation in the measurement).
    const bundle = path.join(tmp, 'cms-bench-child.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({ entryPoints: [__filename], bundle: true, platform: 'node', target: 'node20', outfile: bundle, logLevel: 'silent' });

    const useTime = fs.existsSync(TIME);
    const p = (name: string) => path.join(pkiDir, name);
    const ours = (mode: 'sign' | 'decrypt', input: string, output: string): RunResult => {
      const r = timed(process.execPath, [bundle, '--child', mode, pkiDir, input, output], useTime);
      const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { opMs: number; maxRssKb: number };
      return { wallMs: r.wallMs, opMs: report.opMs, maxRssMb: r.maxRssMb ?? report.maxRssKb / 1024 };
    };
    const sh = (script: string): RunResult => timed('bash', ['-o', 'pipefail', '-c', script], useTime);

    const oursOut = path.join(tmp, 'ours.der');
    const sslOut = path.join(tmp, 'openssl.der');
    const plainOut = path.join(tmp, 'plain.out');
    const sslSign =
      `openssl cms -sign -binary -nodetach -md sha256 -signer ${p('municipality-signing.crt')} -inkey ${p('municipality-signing.key')} ` +
      `-certfile ${p('issuing-ca.crt')} -outform DER -in ${file} | openssl cms -encrypt -binary -aes256 -outform DER -out ${sslOut} ${p('kpr-encryption.crt')}`;
    const sslDecrypt = (input: string) =>
      `openssl cms -decrypt -binary -inform DER -recip ${p('kpr-encryption.crt')} -inkey ${p('kpr-encryption.key')} -in ${input} | ` +
      `openssl cms -verify -binary -inform DER -CAfile ${p('root-ca.crt')} -out ${plainOut} 2>/dev/null`;

    // Warm-up and cross-check: each side reads what the other wrote, byte-identical.
    ours('sign', file, oursOut);
    sh(sslDecrypt(oursOut));
    if (!fs.readFileSync(plainOut).equals(fs.readFileSync(file))) throw new Error('OpenSSL did not return the original content');
    sh(sslSign);
    ours('decrypt', sslOut, plainOut);
    if (!fs.readFileSync(plainOut).equals(fs.readFileSync(file))) throw new Error('decryptAndVerify did not return the original content');

    const results: Record<string, RunResult[]> = { oursSign: [], sslSign: [], oursDecrypt: [], sslDecrypt: [] };
    for (let i = 0; i < runs; i++) {
      results.oursSign.push(ours('sign', file, oursOut));
      results.sslSign.push(sh(sslSign));
      results.oursDecrypt.push(ours('decrypt', sslOut, plainOut));
      results.sslDecrypt.push(sh(sslDecrypt(sslOut)));
    }

    const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
    const rss = (rs: RunResult[]) => (rs[0].maxRssMb === undefined ? 'n/a' : `${Math.max(...rs.map((r) => r.maxRssMb!)).toFixed(0)} MB`);
    const m = (rs: RunResult[], k: 'wallMs' | 'opMs') => median(rs.map((r) => r[k] ?? NaN));
    console.log(`file: ${file} (${(size / 1024 / 1024).toFixed(1)} MB), ${runs} runs each, medians; node ${process.version}, ${os.cpus().length} CPUs`);
    console.log(`peak RSS from ${useTime ? '/usr/bin/time -v (for the pipeline: its largest process)' : 'process.resourceUsage() in the child'}`);
    for (const [label, ourKey, sslKey] of [
      ['sign+encrypt', 'oursSign', 'sslSign'],
      ['decrypt+verify', 'oursDecrypt', 'sslDecrypt'],
    ] as const) {
      const o = results[ourKey];
      const s = results[sslKey];
      console.log(`\n${label}`);
      console.log(`  ours     in-process ${fmt(m(o, 'opMs'))}   child wall ${fmt(m(o, 'wallMs'))}   peak RSS ${rss(o)}`);
      console.log(`  openssl  pipeline wall ${fmt(m(s, 'wallMs'))}   peak RSS ${rss(s)}`);
      console.log(
        `  ratio ours/openssl: ${(m(o, 'wallMs') / m(s, 'wallMs')).toFixed(2)} (child wall), ${(m(o, 'opMs') / m(s, 'wallMs')).toFixed(2)} (in-process)`,
      );
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) child(process.argv.slice(childAt + 1));
else main(process.argv.slice(2));
