/**
 * Running one `kpr` command and turning what it throws into an exit code and a message. Shared by the
 * command line's entry (main.ts) and the sending commands' bundle (sending.ts): each bundle has its own
 * copy of the error classes and the message registry, so an error must be reported inside the bundle
 * that threw it, where `instanceof` and the translations still hold.
 */
import { describeError } from '../errors';
import { maskForLog } from '../privacy';
import { UsageError } from './args';
import { resolveCliLang } from './check';
import { CliIO } from './io';

export type CliCommand = (argv: string[], io: CliIO) => Promise<number>;

/** Writes the error of command `name` to stderr; returns its exit code (2 bad usage, 1 anything else). */
export function reportCommandError(name: string, err: unknown, io: CliIO): number {
  if (err instanceof UsageError) {
    io.err(`kpr ${name}: ${err.message}\n`);
    return 2;
  }
  const lang = resolveCliLang(undefined, io.env);
  io.err(`kpr ${name}: ${maskForLog(describeError(err, lang))}\n`);
  return 1;
}

/** Runs command `name`; what it throws is reported on stderr and becomes the exit code. */
export async function runCommand(name: string, cmd: CliCommand, argv: string[], io: CliIO): Promise<number> {
  try {
    return await cmd(argv, io);
  } catch (err) {
    return reportCommandError(name, err, io);
  }
}
