/**
 * The `kpr` command line: the same engine as the editor, for build pipelines and for people who prefer
 * a terminal. Exit codes: 0 fine, 1 the command found problems or failed, 2 bad usage.
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
  help [COMMAND]         show help

Run 'kpr <command> --help' for a command's options.`;

type Command = (argv: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  check: runCheck,
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

declare const __KPR_VERSION__: string | undefined;
const VERSION = typeof __KPR_VERSION__ === 'string' ? __KPR_VERSION__ : '0.0.0-dev';

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`kpr: ${maskForLog(String(err))}\n`);
      process.exitCode = 1;
    },
  );
}
