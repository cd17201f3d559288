/*
 * What the HTTP benchmarks share: a scratch PostgreSQL database, the backend with only the
 * ml plugin (bench/server.ts) as a child process on a free 127.0.0.1 port, and a run
 * wrapper that always stops the child and drops the database (on failure and Ctrl-C too;
 * ML_BENCH_KEEP_DB=1 keeps the database for EXPLAIN ANALYZE afterwards).
 *
 * PostgreSQL: PGHOST/PGPORT/PGUSER/PGPASSWORD (default 127.0.0.1:5432, user postgres).
 * Redis: REDIS_URL (default redis://127.0.0.1:6379).
 * ML_BENCH_NODE_ARGS: Node options for the backend only, e.g. "--max-semi-space-size=16".
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
// @ts-ignore -- the repo has no @types/pg; only Client is used, as any.
import { Client } from 'pg';

const BENCH_DIR = __dirname;
const REPO_ROOT = resolve(BENCH_DIR, '../../..');
const STARTUP_TIMEOUT_MS = 120_000;
/** The bench's PostgreSQL server, from PGHOST/PGPORT/PGUSER/PGPASSWORD. */
export const pgConnection = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: Number(process.env.PGPORT ?? 5432),
  user: process.env.PGUSER ?? 'postgres',
  password: process.env.PGPASSWORD,
};

/** A figure line on stdout; the last line a bench prints is its JSON. */
export const log = (line: string) => process.stdout.write(`${line}\n`);
/** Progress and diagnostics on stderr, so stdout stays figures only. */
export const note = (line: string) => process.stderr.write(`[bench] ${line}\n`);
export const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** A PostgreSQL client on the bench server; the caller ends it. */
export async function adminClient(database = 'postgres'): Promise<Client> {
  const client = new Client({ ...pgConnection, database });
  await client.connect();
  return client;
}

async function admin(sql: string): Promise<void> {
  const client = await adminClient();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The one backend of this bench process, for the cleanup on exit and signals. */
let running: BenchBackend | undefined;

/**
 * The backend under test, on its own scratch database, called with a static service
 * token made for this run.
 */
export class BenchBackend {
  readonly token = randomBytes(24).toString('hex');
  /** The backend's last output lines, shown when a bench fails. */
  readonly lastLines: string[] = [];
  private child?: ChildProcess;
  private exited = false;
  private stopping?: Promise<void>;
  private databaseCreated = false;

  private constructor(
    readonly database: string,
    readonly baseUrl: string,
    private readonly port: number,
  ) {}

  /**
   * Creates the database and starts the backend with `env` (APP_CONFIG_* overrides) on top
   * of bench/app-config.bench.yaml; resolves once `/api/ml/health` answers.
   */
  static async start(options: {
    databasePrefix: string;
    env: Record<string, string>;
    logLevel: string;
  }): Promise<BenchBackend> {
    const port = await freePort();
    const backend = new BenchBackend(
      `${options.databasePrefix}_${Date.now()}_${process.pid}`,
      `http://127.0.0.1:${port}`,
      port,
    );
    running = backend;
    await admin(`CREATE DATABASE "${backend.database}"`);
    backend.databaseCreated = true;
    backend.spawn(options.env, options.logLevel);
    await backend.waitUntilHealthy();
    return backend;
  }

  get pid(): number {
    return this.child!.pid!;
  }

  get isRunning(): boolean {
    return !!this.child && !this.exited;
  }

  get authorization(): { authorization: string } {
    return { authorization: `Bearer ${this.token}` };
  }

  /** Stops the child, then drops the database and the artifacts; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.isRunning) {
        const child = this.child!;
        const exited = new Promise<void>(r => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (this.databaseCreated && process.env.ML_BENCH_KEEP_DB === '1') {
        note(
          `ML_BENCH_KEEP_DB=1: keeping database ${this.database}; drop it with DROP DATABASE "${this.database}" WITH (FORCE)`,
        );
      } else if (this.databaseCreated) {
        await admin(
          `DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`,
        ).catch(error => note(`dropping ${this.database} failed: ${error}`));
      }
      await rm(this.artifactsDirectory, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  /** Kills the child at once: for a bench process that exits without its cleanup. */
  kill(): void {
    if (this.isRunning) this.child!.kill('SIGKILL');
  }

  private get artifactsDirectory() {
    return `/tmp/${this.database}-artifacts`;
  }

  private spawn(env: Record<string, string>, logLevel: string) {
    this.child = spawn(
      process.execPath,
      [
        ...(process.env.ML_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
        '--require',
        '@backstage/cli/config/nodeTransform.cjs',
        resolve(BENCH_DIR, 'server.ts'),
        '--config',
        resolve(BENCH_DIR, 'app-config.bench.yaml'),
      ],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          APP_CONFIG_backend_baseUrl: this.baseUrl,
          APP_CONFIG_backend_listen_port: String(this.port),
          APP_CONFIG_backend_database_client: 'pg',
          APP_CONFIG_backend_database_connection: JSON.stringify({
            host: pgConnection.host,
            port: pgConnection.port,
            user: pgConnection.user,
            ...(pgConnection.password && { password: pgConnection.password }),
          }),
          APP_CONFIG_backend_database_plugin_ml_connection_database:
            this.database,
          APP_CONFIG_ml_redis_url:
            process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          APP_CONFIG_ml_artifacts_local_directory: this.artifactsDirectory,
          // The portal routes need a caller: a static service token for this run only.
          APP_CONFIG_backend_auth_externalAccess: JSON.stringify([
            {
              type: 'static',
              options: { token: this.token, subject: 'ml-bench' },
            },
          ]),
          LOG_LEVEL: process.env.LOG_LEVEL ?? logLevel,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => {
      this.lastLines.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.lastLines.length > 200) {
        this.lastLines.splice(0, this.lastLines.length - 200);
      }
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      if (!this.stopping) {
        note(`backend exited (code ${code}, signal ${signal})`);
      }
    });
  }

  private async waitUntilHealthy() {
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (this.exited) throw new Error('The backend exited during start-up');
      if (Date.now() > deadline) {
        throw new Error(
          `The backend did not answer within ${STARTUP_TIMEOUT_MS} ms`,
        );
      }
      try {
        const response = await fetch(`${this.baseUrl}/api/ml/health`, {
          signal: AbortSignal.timeout(2000),
        });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 250));
    }
  }
}

/**
 * Runs a bench: on success prints its figures as the last stdout line (after the backend
 * and database are gone); on failure the backend's last output lines and exit code 1.
 * `failed` in the result sets exit code 1 after printing the figures.
 */
export function runBench(
  main: () => Promise<{ figures: object; failed?: boolean }>,
): void {
  const interrupted = (signal: NodeJS.Signals) => {
    note(`${signal}: cleaning up`);
    void stopRunningBackend().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  // Last resort if the driver dies without its cleanup: never leave the child.
  process.once('exit', () => running?.kill());

  main()
    .then(
      async ({ figures, failed }) => {
        await running?.stop();
        log(JSON.stringify(figures));
        if (failed) process.exitCode = 1;
      },
      async error => {
        process.stderr.write(`\nBenchmark failed: ${error?.stack ?? error}\n`);
        const lines = running?.lastLines ?? [];
        if (lines.length > 0) {
          process.stderr.write(
            `--- last lines of the backend's output ---\n${lines
              .slice(-40)
              .join('\n')}\n`,
          );
        }
        await running?.stop();
        process.exitCode = 1;
      },
    )
    .catch(error => {
      process.stderr.write(`cleanup failed: ${error}\n`);
      process.exitCode = 1;
    });
}

/** Stops the bench's backend (and drops its database) from a watchdog. */
export function stopRunningBackend(): Promise<void> {
  return running?.stop() ?? Promise.resolve();
}
