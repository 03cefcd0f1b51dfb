/**
 * The `kpr` command line: the same engine as the editor, for build pipelines and for people who prefer
 * a terminal. Exit codes: 0 fine, 1 the command found problems or failed, 2 bad usage, 3 (submit --wait,
 * listen --once) sent or listening fine, but no Apprec came within the time given.
 */
import { describeError } from '../errors';
import { maskForLog } from '../privacy';
import { UsageError } from './args';
import { resolveCliLang, runCheck } from './check';
import { CliIO, processIO } from './io';

export const USAGE = `kpr – checks and sends KPR reports (Kommunalt pasient- og brukerregister)

Usage: kpr <command> [options]

Commands:
  check PATH...          check fagmelding/identmelding files and folders
  submit FILE... --env ENV
                         check, then send a fagmelding (KPR_IPL) and/or identmelding (KPR_IDE) to KPR
  listen --env ENV       receive KPR's Apprecs and transport errors, update the sending journal
  status                 show the sending journal: what was sent when, and what KPR answered
  pack FILE --env ENV    build the signed and encrypted message without sending it
  unpack IN.p7m          decrypt and verify a message (an Apprec, or what pack wrote)
  simulate               play KPR on this machine to rehearse sending without NHN (docs/simulator.md)
  help [COMMAND]         show help

Sending needs kpr.config.json (--config FILE or KPR_CONFIG); see docs/cli.md and docs/configuration.md.

Run 'kpr <command> --help' for a command's options.`;

type Command = (argv: string[], io: CliIO) => Promise<number>;

// The sending commands load the crypto, AMQP and journal code only when they run, so `kpr check` in a
// build pipeline does not pay for it at every start.
// (`require`, not `import()`: the bundle and the tests' TypeScript loader both resolve it the same way.)
const COMMANDS: Record<string, Command> = {
  check: runCheck,
  submit: (argv, io) => (require('./submit') as typeof import('./submit')).runSubmit(argv, io),
  listen: (argv, io) => (require('./listen') as typeof import('./listen')).runListen(argv, io),
  status: (argv, io) => (require('./status') as typeof import('./status')).runStatus(argv, io),
  pack: (argv, io) => (require('./pack') as typeof import('./pack')).runPack(argv, io),
  unpack: (argv, io) => (require('./unpack') as typeof import('./unpack')).runUnpack(argv, io),
  simulate: (argv, io) => (require('./simulate') as typeof import('./simulate')).runSimulate(argv, io),
};

export function registerCommand(name: string, fn: Command): void {
  COMMANDS[name] = fn;
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    if (rest[0] && COMMANDS[rest[0]]) return COMMANDS[rest[0]](['--help'], io);
    io.out(USAGE + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`kpr: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await cmd(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`kpr ${name}: ${err.message}\n`);
      return 2;
    }
    const lang = resolveCliLang(undefined, io.env);
    io.err(`kpr ${name}: ${maskForLog(describeError(err, lang))}\n`);
    return 1;
  }
}

/** With a terminal (stdin and stderr are TTYs) commands may ask; without one they fail clearly instead. */
function withTerminalPrompt(io: CliIO): CliIO {
  if (io.prompt || !process.stdin.isTTY || !process.stderr.isTTY) return io;
  return { ...io, prompt: (question, options) => (require('./config') as typeof import('./config')).terminalPrompt(question, options) };
}

declare const __KPR_VERSION__: string | undefined;
const VERSION = typeof __KPR_VERSION__ === 'string' ? __KPR_VERSION__ : '0.0.0-dev';

if (require.main === module) {
  main(process.argv.slice(2), withTerminalPrompt(processIO())).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`kpr: ${maskForLog(String(err))}\n`);
      process.exitCode = 1;
    },
  );
}
