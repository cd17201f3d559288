import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

const LOG_TAIL_LINES = 20;
const MAX_LINE_CHARS = 2000;

/**
 * The last lines a process wrote to stdout and stderr, bounded in lines and in line
 * length, so a chatty or binary-spewing server cannot grow the backend's memory.
 *
 * @internal
 */
export class LogTail {
  private readonly lines: string[] = [];
  private partial = '';

  write(chunk: string) {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!.slice(0, MAX_LINE_CHARS);
    for (const line of parts) this.push(line);
  }

  toString(): string {
    const lines = this.partial ? [...this.lines, this.partial] : this.lines;
    return lines.slice(-LOG_TAIL_LINES).join('\n');
  }

  private push(line: string) {
    this.lines.push(line.replace(/\r$/, '').slice(0, MAX_LINE_CHARS));
    if (this.lines.length > LOG_TAIL_LINES) this.lines.shift();
  }
}

/**
 * A free TCP port on 127.0.0.1: the kernel's pick for port 0. Another process could take
 * it before the server binds; the server then exits and its deployment fails, visibly.
 *
 * @internal
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise(resolve => server.close(resolve));
  if (typeof address !== 'object' || !address) {
    throw new Error('could not allocate a port');
  }
  return address.port;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Runs the server's command under a shell that stops it when the backend is gone: the
 * servers of a backend killed outright (SIGKILL, a test runner tearing down `npm start`)
 * would otherwise hold their ports forever. The shell passes on the command's exit
 * status (its own job notices and \`PWD\` stay out of the server's log and environment);
 * \`stop\` signals the whole process group as before.
 */
const WATCHDOG = `
env -u PWD "$@" &
child=$!
exec 2>/dev/null
trap 'kill -TERM $child 2>/dev/null' TERM INT
while kill -0 $child 2>/dev/null; do
  kill -0 $PPID 2>/dev/null || { kill -TERM $child; break; }
  sleep 1
done
wait $child
`;

/** How a process ended: its exit code or the signal that killed it. */
type Exit = {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
};

/**
 * One model server process: started in its own process group (so stopping it stops
 * whatever its command started too), with its output in a `LogTail`.
 *
 * @internal
 */
export class ServerProcess {
  /** Settles when the process has exited and its output is read. */
  readonly exited: Promise<Exit>;
  private stopping = false;
  private exit?: Exit;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logs: LogTail,
  ) {
    this.exited = new Promise(resolve => {
      // A spawn failure (ENOENT) emits 'error' and maybe no 'close'.
      child.once('error', error =>
        resolve({ code: null, signal: null, error }),
      );
      child.once('close', (code, signal) => resolve({ code, signal }));
    }).then(exit => {
      this.exit = exit as Exit;
      return this.exit;
    });
  }

  static start(options: {
    command: string[];
    cwd: string;
    env: Record<string, string>;
    port: number;
    logs: LogTail;
  }): ServerProcess {
    const child = spawn('sh', ['-c', WATCHDOG, 'sh', ...options.command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => options.logs.write(chunk));
    }
    return new ServerProcess(child, options.port, options.logs);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** True once the process has exited, unless `stop` ended it. */
  get crashed(): boolean {
    return this.exit !== undefined && !this.stopping;
  }

  /** Why the process ended, for a deployment's `reason`. */
  describeExit(): string {
    const exit = this.exit;
    if (!exit) return 'model server is running';
    if (exit.error)
      return `model server could not start: ${exit.error.message}`;
    return exit.signal
      ? `model server was killed by ${exit.signal}`
      : `model server exited with code ${exit.code}`;
  }

  /**
   * Resolves when `GET /ping` answers 200; rejects with the reason when the process
   * exits first or the deadline passes (the process is then left to the caller to stop).
   */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delayMs = 50;
    while (!this.exit) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `model server did not answer GET /ping with 200 within ${
            timeoutMs / 1000
          } s`,
        );
      }
      if (await this.ping(Math.min(left, 2000))) return;
      // Wakes on exit too, so a server that dies is reported at once.
      await Promise.race([this.exited, sleep(Math.min(delayMs, left))]);
      delayMs = Math.min(delayMs * 2, 500);
    }
    throw new Error(`${this.describeExit()} before answering GET /ping`);
  }

  /** SIGTERM to the process group, SIGKILL after the grace; resolves once it exited. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.exit || this.child.pid === undefined) return;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>(resolve => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (killed) {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  /** Synchronous SIGKILL, for the backend's own exit, where nothing can be awaited. */
  killNow() {
    this.stopping = true;
    if (!this.exit) this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals) {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  }

  private async ping(timeoutMs: number): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/ping`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      return response.status === 200;
    } catch {
      return false;
    }
  }
}
