/**
 * A private RabbitMQ (Debian's rabbitmq-server 3.10 with its AMQP 1.0 plugin) for tests: NHN Tjenestebuss is
 * RabbitMQ over AMQP 1.0, so the transport is tested against the same kind of broker, not a mock.
 *
 * Each broker lives in its own temp dir, listens on loopback only, and gets its own ports, all derived from the
 * AMQP port P so several brokers (several test files) never collide:
 *   P        AMQP            P+10000  epmd (a private one, so stopping it cannot hurt another broker)
 *   P+20000  Erlang dist     P+30000… rabbitmqctl's own dist ports (RabbitMQ's default: dist + 10000)
 *   P+1      AMQP over TLS (only with `tls: true`)
 * scripts/rabbitmq.sh uses the same layout for manual use.
 */
import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as rhea from 'rhea';

export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
export const RABBITMQCTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';

export interface BrokerOptions {
  /** HER-ids that get durable `<HER>_async` and `<HER>_error` queues bound to the exchange. */
  herIds?: string[];
  /** The durable direct exchange, named like NHN's. Default `NHNTESTServiceBus`. */
  exchange?: string;
  user?: string;
  password?: string;
  /** Also listen for amqps on P+1 with a throwaway CA and server certificate made by openssl. */
  tls?: boolean;
  /** How long starting may take before it fails with the log's tail. Default 90 s. */
  startTimeoutMs?: number;
}

export interface Broker {
  /** `amqp://USER@127.0.0.1:P/EXCHANGE` (no password: it is given separately, as in production). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly exchange: string;
  readonly user: string;
  readonly dir: string;
  /** With `tls: true`: `amqps://USER@localhost:P+1/EXCHANGE`, the CA file to trust, and the port. */
  readonly tlsUrl?: string;
  readonly caFile?: string;
  readonly tlsPort?: number;
  /** Clean shutdown (SIGTERM), waits for exit; the data dir stays for `restart()`. */
  stop(): Promise<void>;
  /** SIGKILL of the Erlang VM: a crash. Waits until it is gone. */
  kill(): Promise<void>;
  /** Starts again on the same data dir and port (stopping first if running); waits until ready. */
  restart(): Promise<void>;
  /** Runs rabbitmqctl against this node; resolves with stdout. */
  ctl(args: string[]): Promise<string>;
  /**
   * Drops every client's TCP connection (the broker keeps running). Needed because RabbitMQ 3.10's
   * `close_all_connections` only closes the AMQP 0-9-1 channels behind AMQP 1.0 sessions, not the sockets.
   * Resolves with the number of connections dropped.
   */
  dropConnections(): Promise<number>;
  /** Message count per queue (ready + unacknowledged). */
  queueDepths(): Promise<Record<string, number>>;
  /** Declares (durably) and binds `<HER>_async` / `<HER>_error` for more HER-ids on the running broker. */
  addQueues(herIds: string[]): Promise<void>;
  /** The last lines of the broker's log, for error messages. */
  logTail(lines?: number): string;
  /** Stops the broker and its epmd and removes the temp dir (kept if KPR_KEEP_BROKER_DIR is set). */
  dispose(): Promise<void>;
}

interface Definitions {
  users: unknown[];
  vhosts: unknown[];
  permissions: unknown[];
  exchanges: unknown[];
  queues: Array<{ name: string }>;
  bindings: unknown[];
}

/** RabbitMQ's stored password form: base64(salt ‖ SHA-256(salt ‖ password)), so the file holds no password. */
function rabbitPasswordHash(password: string): string {
  const salt = randomBytes(4);
  const digest = createHash('sha256').update(Buffer.concat([salt, Buffer.from(password, 'utf8')])).digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

export function queuesFor(herIds: string[]): string[] {
  return herIds.flatMap((h) => [`${h}_async`, `${h}_error`]);
}

function queueDefinitions(exchange: string, herIds: string[]): Pick<Definitions, 'queues' | 'bindings'> {
  const names = queuesFor(herIds);
  return {
    queues: names.map((name) => ({ name, vhost: '/', durable: true, auto_delete: false, arguments: {} })),
    bindings: names.map((name) => ({
      source: exchange,
      vhost: '/',
      destination: name,
      destination_type: 'queue',
      routing_key: name,
      arguments: {},
    })),
  };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function portAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function pickPorts(tls: boolean): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = randomInt(20000, 29990);
    const needed = [p, p + 10000, p + 20000, p + 30000, ...(tls ? [p + 1] : [])];
    let ok = true;
    for (const q of needed) if (!(await portFree(q))) ok = false;
    if (ok) return p;
  }
  throw new Error('no free port set found for a test broker');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr) + (error && code === 1 && !stderr ? String(error.message) : ''), code });
    });
  });
}

/** Throwaway CA + server certificate (CN/SAN localhost, 127.0.0.1) for the TLS listener. */
async function makeTlsFiles(dir: string, env: NodeJS.ProcessEnv): Promise<{ ca: string; cert: string; key: string }> {
  const tlsDir = path.join(dir, 'tls');
  fs.mkdirSync(tlsDir, { mode: 0o700 });
  const f = (n: string) => path.join(tlsDir, n);
  fs.writeFileSync(f('san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  const steps: string[][] = [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=KPR test CA'],
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost'],
    ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('san.cnf')],
  ];
  for (const args of steps) {
    const r = await run('openssl', args, env);
    if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  }
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/**
 * Brokers run in their own process group (so they survive nothing but are not killed by a terminal's Ctrl-C
 * either); if the test process ends without dispose() — a crash, Ctrl-C, `timeout` — they are killed here.
 */
const live = new Set<PrivateBroker>();
let hooksInstalled = false;

function killAllSync(): void {
  for (const b of live) b.killSync();
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllSync();
      // Re-raise with the default action, so the process still ends the way the signal asked.
      process.kill(process.pid, signal);
    });
  }
}

class PrivateBroker implements Broker {
  readonly host = '127.0.0.1';
  readonly url: string;
  readonly tlsUrl?: string;
  readonly caFile?: string;
  readonly tlsPort?: number;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private herIds: string[];
  private disposed = false;

  constructor(
    readonly dir: string,
    readonly port: number,
    readonly exchange: string,
    readonly user: string,
    private readonly password: string,
    herIds: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly startTimeoutMs: number,
    tls: { port: number; caFile: string } | undefined,
  ) {
    this.herIds = [...herIds];
    this.url = `amqp://${encodeURIComponent(user)}@${this.host}:${port}/${exchange}`;
    if (tls) {
      this.tlsPort = tls.port;
      this.caFile = tls.caFile;
      this.tlsUrl = `amqps://${encodeURIComponent(user)}@localhost:${tls.port}/${exchange}`;
    }
  }

  get nodeName(): string {
    return `rabbit${this.port}@localhost`;
  }

  get logFile(): string {
    return path.join(this.dir, 'log', `${this.nodeName}.log`);
  }

  logTail(lines = 40): string {
    const parts: string[] = [];
    for (const file of [this.logFile, path.join(this.dir, 'console.log')]) {
      try {
        const text = fs.readFileSync(file, 'utf8').split('\n');
        parts.push(`--- ${path.basename(file)}\n${text.slice(-lines).join('\n')}`);
      } catch {
        /* not written yet */
      }
    }
    return parts.join('\n');
  }

  /** Synchronous last-resort cleanup (process exit): SIGKILL the VM's group, stop epmd. */
  killSync(): void {
    const child = this.child;
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const beam = this.beamPid();
    if (beam) {
      try {
        process.kill(beam, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    // epmd refuses to stop while the node is registered; the registration goes once the kernel has closed the
    // dead VM's socket, which may take a moment.
    for (let i = 0; i < 20; i++) {
      const r = spawnSync('epmd', ['-port', String(this.port + 10000), '-kill'], { env: this.env, timeout: 5000, encoding: 'utf8' });
      if (!/not allowed/i.test(`${r.stdout}${r.stderr}`)) break;
      spawnSync('sleep', ['0.1']);
    }
    if (!process.env.KPR_KEEP_BROKER_DIR) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Starts the broker process and waits until the AMQP port accepts and the definitions are in place. */
  async launch(): Promise<void> {
    if (this.child) throw new Error('broker already running');
    installExitHooks();
    live.add(this);
    const out = fs.openSync(path.join(this.dir, 'console.log'), 'a');
    // Own process group, so a crash simulation can also take erl_child_setup and friends.
    const child = spawn(RABBITMQ_SERVER, [], { cwd: this.dir, env: this.env, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    this.child = child;
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let exitedEarly = false;
    void this.exited.then(() => {
      exitedEarly = true;
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + this.startTimeoutMs;
    const fail = async (why: string) => {
      await this.killGroup(child);
      throw new Error(`RabbitMQ test broker on port ${this.port} ${why}\n${this.logTail()}`);
    };
    while (!(await portAccepts(this.port))) {
      if (exitedEarly) return fail('exited during start-up');
      if (Date.now() > deadline) return fail(`did not open its port within ${this.startTimeoutMs} ms`);
      await sleep(100);
    }
    let lastProblem = '';
    for (;;) {
      const problem = await this.probeDefinitions();
      if (!problem) break;
      lastProblem = problem;
      if (exitedEarly) return fail('exited during start-up');
      if (Date.now() > deadline) return fail(`did not load its definitions within ${this.startTimeoutMs} ms (${lastProblem})`);
      await sleep(200);
    }
    if (this.tlsPort) {
      while (!(await portAccepts(this.tlsPort))) {
        if (Date.now() > deadline) return fail(`did not open its TLS port within ${this.startTimeoutMs} ms`);
        await sleep(100);
      }
    }
  }

  /**
   * Logs in and attaches to every queue and to the exchange over AMQP 1.0: the broker is only ready for a test
   * when the user, the exchange and the queues from the definitions file exist. Returns a problem, or ''.
   */
  private probeDefinitions(): Promise<string> {
    const container = rhea.create_container({ id: `probe-${this.port}-${Date.now()}` });
    container.on('error', () => undefined);
    const addresses: Array<{ kind: 'sender' | 'receiver'; address: string }> = [
      { kind: 'sender', address: `/exchange/${this.exchange}/probe` },
      ...queuesFor(this.herIds).map((q) => ({ kind: 'receiver' as const, address: `/amq/queue/${q}` })),
    ];
    return new Promise<string>((resolve) => {
      let finished = false;
      const conn = container.connect({ host: this.host, port: this.port, username: this.user, password: this.password, reconnect: false });
      const done = (problem: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        try {
          conn.close();
        } catch {
          /* already down */
        }
        setTimeout(() => (conn as unknown as { socket?: { destroy(): void } }).socket?.destroy(), 500).unref();
        resolve(problem);
      };
      const timer = setTimeout(() => done('probe timed out'), 10_000);
      conn.on('connection_error', (ctx: rhea.EventContext) => done(`login: ${String((ctx.error as { condition?: string })?.condition ?? ctx.error)}`));
      conn.on('disconnected', (ctx: rhea.EventContext) => done(`disconnected: ${String(ctx.error ?? '')}`));
      conn.on('error', (e: unknown) => done(String(e)));
      conn.on('connection_open', () => {
        let open = 0;
        for (const a of addresses) {
          const session = conn.create_session();
          session.begin();
          const link =
            a.kind === 'sender'
              ? session.open_sender({ target: { address: a.address } })
              : session.open_receiver({ source: { address: a.address }, credit_window: 0, autoaccept: false });
          session.on('session_error', () => done(`${a.address}: ${String((session.error as { description?: string })?.description ?? 'refused')}`));
          link.on(a.kind === 'sender' ? 'sender_error' : 'receiver_error', () => done(`${a.address}: refused`));
          link.on(a.kind === 'sender' ? 'sender_open' : 'receiver_open', () => {
            if (++open === addresses.length) done('');
          });
        }
      });
    });
  }

  private async killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* group already gone */
    }
    if (this.child === child) await this.exited;
  }

  private beamPid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.dir, 'rabbit.pid'), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    // The wrapper script traps TERM and stops the VM cleanly (≈1–3 s).
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited!, new Promise<void>((r) => (timer = setTimeout(r, 60_000)))]);
    clearTimeout(timer);
    // After a clean exit the group is empty and this is a no-op; after a hang it ends the VM the hard way.
    await this.killGroup(child);
    this.child = undefined;
    await this.stopEpmd();
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const beam = this.beamPid();
    if (beam) {
      try {
        process.kill(beam, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await this.killGroup(child);
    this.child = undefined;
  }

  async restart(): Promise<void> {
    if (this.child) await this.stop();
    const deadline = Date.now() + 30_000;
    // The ports of the previous VM must be free again before the new one binds them.
    while (!(await portFree(this.port)) || !(await portFree(this.port + 20000))) {
      if (Date.now() > deadline) throw new Error(`port ${this.port} still busy after the broker stopped`);
      await sleep(100);
    }
    await this.launch();
  }

  async ctl(args: string[]): Promise<string> {
    const r = await run(RABBITMQCTL, ['-n', this.nodeName, ...args], this.env);
    if (r.code !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  async dropConnections(): Promise<number> {
    const ref = `{acceptor,{127,0,0,1},${this.port}}`;
    const out = await this.ctl(['eval', `length([exit(P, kill) || P <- ranch:procs(${ref}, connections)]).`]);
    return Number(out.trim());
  }

  async queueDepths(): Promise<Record<string, number>> {
    const out = await this.ctl(['-q', 'list_queues', 'name', 'messages', '--no-table-headers']);
    const depths: Record<string, number> = {};
    for (const line of out.split('\n')) {
      const [name, count] = line.trim().split(/\s+/);
      if (name && count !== undefined && /^\d+$/.test(count)) depths[name] = Number(count);
    }
    return depths;
  }

  async addQueues(herIds: string[]): Promise<void> {
    const fresh = herIds.filter((h) => !this.herIds.includes(h));
    if (fresh.length === 0) return;
    const file = path.join(this.dir, `add-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(queueDefinitions(this.exchange, fresh)), { mode: 0o600 });
    await this.ctl(['-q', 'import_definitions', file]);
    this.herIds.push(...fresh);
    // The boot-time definitions file gets them too, so a restart from scratch would agree with the running broker.
    const defsFile = path.join(this.dir, 'definitions.json');
    const defs = JSON.parse(fs.readFileSync(defsFile, 'utf8')) as Definitions;
    const extra = queueDefinitions(this.exchange, fresh);
    defs.queues.push(...extra.queues);
    defs.bindings.push(...extra.bindings);
    fs.writeFileSync(defsFile, JSON.stringify(defs, null, 2), { mode: 0o600 });
  }

  private async stopEpmd(): Promise<void> {
    // epmd refuses to die while a node is registered; by now the node is gone.
    await run('epmd', ['-port', String(this.port + 10000), '-kill'], this.env, 10_000);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.child) await this.stop();
    else await this.stopEpmd();
    live.delete(this);
    if (!process.env.KPR_KEEP_BROKER_DIR) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The environment that makes the Debian scripts run a private node from `dir` instead of the system one. */
export function brokerEnv(dir: string, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    HOME: dir,
    RABBITMQ_NODENAME: `rabbit${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(port + 20000),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(port + 10000),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbit.pid'),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    // Erlang distribution on loopback only: nothing of a test broker is reachable from the network.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
}

/** Starts a private broker; see the file comment. Call `dispose()` when done. */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  if (!fs.existsSync(RABBITMQ_SERVER)) {
    throw new Error(`${RABBITMQ_SERVER} is missing: run scripts/rabbitmq.sh install (as root) first`);
  }
  const exchange = options.exchange ?? 'NHNTESTServiceBus';
  const user = options.user ?? 'kpr-test';
  const password = options.password ?? randomBytes(12).toString('base64url');
  const herIds = options.herIds ?? [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-rabbit-'));
  fs.chmodSync(dir, 0o700);
  const port = await pickPorts(Boolean(options.tls));
  const env = brokerEnv(dir, port);

  const defs: Definitions = {
    users: [{ name: user, password_hash: rabbitPasswordHash(password), hashing_algorithm: 'rabbit_password_hashing_sha256', tags: '' }],
    vhosts: [{ name: '/' }],
    permissions: [{ user, vhost: '/', configure: '.*', write: '.*', read: '.*' }],
    exchanges: [{ name: exchange, vhost: '/', type: 'direct', durable: true, auto_delete: false, internal: false, arguments: {} }],
    ...queueDefinitions(exchange, herIds),
  };
  fs.writeFileSync(path.join(dir, 'definitions.json'), JSON.stringify(defs, null, 2), { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'enabled_plugins'), '[rabbitmq_amqp1_0].\n');
  fs.writeFileSync(path.join(dir, 'rabbitmq-env.conf'), '');
  const conf = [
    `listeners.tcp.1 = 127.0.0.1:${port}`,
    `load_definitions = ${path.join(dir, 'definitions.json')}`,
    'vm_memory_high_watermark.absolute = 1GB',
    'disk_free_limit.absolute = 50MB',
    'log.console = false',
    'log.file.level = info',
  ];
  let tls: { port: number; caFile: string } | undefined;
  if (options.tls) {
    const files = await makeTlsFiles(dir, env);
    tls = { port: port + 1, caFile: files.ca };
    conf.push(
      `listeners.ssl.1 = 127.0.0.1:${port + 1}`,
      `ssl_options.cacertfile = ${files.ca}`,
      `ssl_options.certfile = ${files.cert}`,
      `ssl_options.keyfile = ${files.key}`,
      'ssl_options.verify = verify_none',
      'ssl_options.fail_if_no_peer_cert = false',
    );
  }
  fs.writeFileSync(path.join(dir, 'rabbitmq.conf'), conf.join('\n') + '\n');

  const broker = new PrivateBroker(dir, port, exchange, user, password, herIds, env, options.startTimeoutMs ?? 90_000, tls);
  try {
    await broker.launch();
  } catch (e) {
    await broker.dispose().catch(() => undefined);
    throw e;
  }
  return broker;
}
