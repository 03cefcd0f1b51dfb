/**
 * Entry point of the KPR language server (bundled to dist/server.js). The transport (--node-ipc, --stdio,
 * --socket=…) comes from the command line, as vscode-languageserver reads it; with
 * --cancellationReceive=file:<folder> the client's cancellations also reach a busy analysis (see
 * cancellation.ts).
 */
import { CancellationSenderStrategy, createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { cancellationFolderFromArgs, fileCancellationReceiver } from './cancellation';
import { KprServer } from './kprServer';
import { describeForLog } from './log';
import { maskForLog } from '../privacy';

const cancellationFolder = cancellationFolderFromArgs(process.argv);
const connection = cancellationFolder
  ? createConnection(ProposedFeatures.all, {
      cancellationStrategy: { receiver: fileCancellationReceiver(cancellationFolder), sender: CancellationSenderStrategy.Message },
    })
  : createConnection(ProposedFeatures.all);

// The server outlives any single failure: an exception that escapes a handler is logged, masked, and
// the session goes on. (stdout belongs to the protocol; the log goes to the client's output channel.)
const report = (what: string) => (err: unknown) => {
  try {
    connection.console.error(maskForLog(`${what}: ${describeForLog(err)}`));
  } catch {
    process.stderr.write(maskForLog(`${what}: ${describeForLog(err)}`) + '\n');
  }
};
process.on('uncaughtException', report('uncaught exception'));
process.on('unhandledRejection', report('unhandled rejection'));

new KprServer(connection).listen();
