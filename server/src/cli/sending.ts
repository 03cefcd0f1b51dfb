/**
 * The sending commands, bundled apart from the command line's entry (dist/cli-send.js) so that
 * `kpr check` does not compile the crypto, AMQP, XML-writing and simulator code at every start.
 * main.ts loads this module only when a sending command runs or a terminal prompt is needed.
 */
import { CliCommand, runCommand } from './command';
import { CliIO } from './io';
import { runListen } from './listen';
import { runPack } from './pack';
import { runSimulate } from './simulate';
import { runStatus } from './status';
import { runSubmit } from './submit';
import { runUnpack } from './unpack';

export { terminalPrompt } from './config';

const SENDING_COMMANDS: Record<string, CliCommand> = {
  submit: runSubmit,
  listen: runListen,
  status: runStatus,
  pack: runPack,
  unpack: runUnpack,
  simulate: runSimulate,
};

/**
 * Runs sending command `name` and reports its errors here, in this bundle (see command.ts): the result
 * is the exit code, and the promise does not reject for an error of the command.
 */
export function runSendingCommand(name: string, argv: string[], io: CliIO): Promise<number> {
  const cmd = SENDING_COMMANDS[name];
  if (!cmd) return Promise.reject(new Error(`kpr: '${name}' is not a sending command`));
  return runCommand(name, cmd, argv, io);
}
