/**
 * The far side of a rehearsal for the submission scenarios: a private RabbitMQ (test/support/rabbitmq.ts, the
 * same kind of broker as NHN's Tjenestebuss) and `kpr simulate --amqp` as its own process, exactly as the
 * documentation tells a municipality to run it (docs/simulator.md). The extension in VS Code is then pointed
 * at the configuration the simulator writes and sends over the real broker.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { readSecretsFile, SECRET_VARS } from '../../server/src/simulate/pki';
import { Broker, startBroker } from '../support/rabbitmq';
import { REPO, waitUntil } from './harness';

/** KPR's HER-id in the `local` environment and the simulated municipality's service HER-id (docs/simulator.md). */
export const KPR_HER_ID = '8133973';
export const MUNICIPALITY_SERVICE_HER_ID = '9900002';

export interface SimulatorSecrets {
  amqpPassword: string;
  signP12Passphrase: string;
  decryptP12Passphrase: string;
}

export class LocalReceiver {
  private output = '';
  private exited?: Promise<number | null>;

  private constructor(
    readonly broker: Broker,
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly brokerPassword: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const keep = (b: Buffer) => {
      this.output += b.toString('utf8');
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  /** Starts the broker and the simulator (answering after `delaySeconds`), and waits until it runs. */
  static async start(workspace: string, delaySeconds: number): Promise<LocalReceiver> {
    const password = randomBytes(12).toString('base64url');
    const broker = await startBroker({ herIds: [KPR_HER_ID, MUNICIPALITY_SERVICE_HER_ID], password });
    const dir = path.join(workspace, '.kpr', 'simulator');
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'simulate', '--amqp', broker.url, '--dir', dir, '--delay', String(delaySeconds), '--lang', 'en'], {
      cwd: workspace,
      env: { ...process.env, KPR_SIMULATOR_AMQP_PASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = new LocalReceiver(broker, dir, child, password);
    let code: number | null | undefined;
    void r.exited!.then((c) => (code = c));
    try {
      await waitUntil(
        () => (/Configuration:/.test(r.output) ? true : code !== undefined ? Promise.reject(new Error(`kpr simulate exited with ${code}:\n${r.output}`)) : undefined),
        120_000,
        () => `kpr simulate did not start within 120 s:\n${r.output}`,
      );
    } catch (e) {
      await r.stop();
      throw e;
    }
    return r;
  }

  /** The configuration the simulator wrote for the municipality (environment `local`). */
  get configPath(): string {
    return path.join(this.dir, 'kpr.config.json');
  }

  /** What a user types when VS Code asks: the generated passphrases and the broker's password. */
  secrets(): SimulatorSecrets {
    const file = readSecretsFile(path.join(this.dir, 'secrets.env'));
    return {
      amqpPassword: this.brokerPassword,
      signP12Passphrase: file[SECRET_VARS.signP12Passphrase]!,
      decryptP12Passphrase: file[SECRET_VARS.decryptP12Passphrase]!,
    };
  }

  /** What the simulator printed (one line per message handled; never any content). */
  log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const stopped = await Promise.race([this.exited!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
      if (!stopped) this.child.kill('SIGKILL');
    }
    await this.broker.dispose();
  }
}
