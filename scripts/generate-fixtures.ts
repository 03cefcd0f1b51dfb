/**
 * Writes a synthetic KPR extract pair (fag.xml and ide.xml, optionally wrapped in a Hodemelding) for
 * manual testing and benchmarks:
 *
 *   npx tsx scripts/generate-fixtures.ts --persons 30000 --seed 1 --year 2023 --out .bench/extract [--msghead]
 *
 * Further options: --komnr 5001, --lopenr 7, --encoding UTF-8|ISO-8859-1, --compact (no indentation),
 * --id-namespace http://www.npr.no/xmlstds/57_0_1_ide. Everything in the output is synthetic.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  encodeXml,
  generateExtract,
  serializeFagmelding,
  serializeIdentmelding,
  wrapInMsgHead,
  type XmlEncoding,
} from '../test/fixtures/generator';
import { Rng } from '../test/fixtures/rng';

interface Args {
  persons: number;
  seed: number | string;
  year: number;
  out: string;
  msghead: boolean;
  komnr?: string;
  lopenr?: string;
  encoding: XmlEncoding;
  indent: boolean;
  idNamespace?: string;
}

const USAGE =
  'usage: npx tsx scripts/generate-fixtures.ts --persons N --seed S --year Y --out DIR [--msghead] ' +
  '[--komnr NNNN] [--lopenr L] [--encoding UTF-8|ISO-8859-1] [--compact] [--id-namespace URI]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--msghead' || a === '--compact') flags.add(a);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else if (a.startsWith('--') && i + 1 < argv.length) values.set(a, argv[++i]);
    else fail(`unknown or incomplete argument: ${a}`);
  }
  const int = (name: string, min: number, max: number): number => {
    const raw = values.get(name);
    if (raw === undefined) fail(`missing ${name}`);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) fail(`${name} must be an integer in ${min}..${max}`);
    return n;
  };
  const seedRaw = values.get('--seed') ?? fail('missing --seed');
  const encoding = (values.get('--encoding') ?? 'UTF-8').toUpperCase();
  if (encoding !== 'UTF-8' && encoding !== 'ISO-8859-1') fail('--encoding must be UTF-8 or ISO-8859-1');
  const komnr = values.get('--komnr');
  if (komnr !== undefined && !/^[0-9]{4}$/.test(komnr)) fail('--komnr must be four digits');
  return {
    persons: int('--persons', 1, 2_000_000),
    seed: /^[0-9]+$/.test(seedRaw) ? Number(seedRaw) : seedRaw,
    year: int('--year', 1990, 2039),
    out: values.get('--out') ?? fail('missing --out'),
    msghead: flags.has('--msghead'),
    komnr,
    lopenr: values.get('--lopenr'),
    encoding,
    indent: !flags.has('--compact'),
    idNamespace: values.get('--id-namespace'),
  };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = process.hrtime.bigint();
  const model = generateExtract({
    seed: args.seed,
    persons: args.persons,
    year: args.year,
    komnr: args.komnr,
    lopenr: args.lopenr,
    idNamespace: args.idNamespace,
  });
  const generated = process.hrtime.bigint();
  const ser = { indent: args.indent, encoding: args.encoding };
  const fag = serializeFagmelding(model, ser);
  const ide = serializeIdentmelding(model, ser);
  const serialized = process.hrtime.bigint();

  mkdirSync(args.out, { recursive: true });
  const files: Array<[string, string]> = [
    ['fag.xml', fag],
    ['ide.xml', ide],
  ];
  if (args.msghead) {
    // Message ids and dates come from the seed too, so the wrapped files are as reproducible as the rest.
    const rng = new Rng(`${args.seed}:msghead`);
    const genDate = `${model.ident.uttakDato}T08:00:00`;
    const wrap = { genDate, encoding: args.encoding, indent: args.indent };
    files.push(['fag-msghead.xml', wrapInMsgHead(fag, { ...wrap, type: 'KPR_IPL', msgId: rng.guid() })]);
    files.push(['ide-msghead.xml', wrapInMsgHead(ide, { ...wrap, type: 'KPR_IDE', msgId: rng.guid() })]);
  }
  for (const [name, xml] of files) {
    const bytes = encodeXml(xml, args.encoding);
    writeFileSync(path.join(args.out, name), bytes);
    process.stdout.write(`${path.join(args.out, name)}  ${(bytes.length / 1e6).toFixed(2)} MB\n`);
  }
  const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
  process.stdout.write(
    `${args.persons} persons, seed ${args.seed}, year ${args.year}, løpenummer ${model.ident.lopenr}: ` +
      `generate ${ms(started, generated).toFixed(0)} ms, serialize ${ms(generated, serialized).toFixed(0)} ms\n`,
  );
}

main();
