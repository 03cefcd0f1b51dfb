/**
 * The `kpr` command line: the same engine as the editor, for build pipelines and for people who prefer
 * a terminal. Exit codes: 0 fine, 1 the command found problems or failed, 2 bad usage, 3 (submit --wait,
 * listen --once) sent or listening fine, but no Apprec came within the time given.
 */
import { maskForLog } from '../privacy';
import { runCheck } from './check';
import { CliCommand, runCommand } from './command';
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

/**
 * The sending commands and the terminal prompt, loaded only when they are needed, so `kpr check` in a
 * build pipeline does not pay for the crypto, AMQP and journal code at every start. The build makes this
 * a separate bundle (dist/cli-send.js, see scripts/build.mjs), which has its own copies of the error
 * classes and messages, so it reports its commands' errors itself (runSendingCommand).
 * (`require`, not `import()`: the bundle and the tests' TypeScript loader both resolve it the same way.)
 */
function sending(): typeof import('./sending') {
  return require('./sending');
}

const sendingCommand =
  (name: string): CliCommand =>
  (argv, io) =>
    sending().runSendingCommand(name, argv, io);

const COMMANDS: Record<string, CliCommand> = {
  check: runCheck,
  submit: sendingCommand('submit'),
  listen: sendingCommand('listen'),
  status: sendingCommand('status'),
  pack: sendingCommand('pack'),
  unpack: sendingCommand('unpack'),
  simulate: sendingCommand('simulate'),
};

export function registerCommand(name: string, fn: CliCommand): void {
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
  return runCommand(name, cmd, rest, io);
}

/** With a terminal (stdin and stderr are TTYs) commands may ask; without one they fail clearly instead. */
function withTerminalPrompt(io: CliIO): CliIO {
  if (io.prompt || !process.stdin.isTTY || !process.stderr.isTTY) return io;
  return { ...io, prompt: (question, options) => sending().terminalPrompt(question, options) };
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
