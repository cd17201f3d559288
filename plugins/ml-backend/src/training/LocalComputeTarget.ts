import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  ComputeTarget,
  DispatchRequest,
  ExternalJobStatus,
} from '@ml-portal/plugin-ml-node';

type LocalProcess = {
  child: ChildProcess;
  logPath: string;
  startedAt: Date;
  finishedAt?: Date;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  /** Set when the platform stopped it: a simulated preemption or a cancel. */
  stoppedFor?: 'preempted' | 'cancelled';
};

/** Environment a job inherits from the backend: enough to find binaries, nothing secret. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ'];
const KILL_GRACE_MS = 5000;
const EXIT_FILE_GRACE_MS = 2000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `local` compute target: runs a job's command as a child process of the backend,
 * as the backend's user. For single-machine installs and demos only (enabled by
 * `ml.training.local.enabled`). Injects the job's env (and `CUDA_VISIBLE_DEVICES` when
 * the host has GPUs), writes logs to a file per attempt, stops with SIGTERM then SIGKILL,
 * and can simulate a spot preemption (SIGTERM with notice) so checkpoint/resume runs for real.
 * Each process leaves `<name>.pid` and, when it ends, `<name>.exit` in the log directory,
 * so every backend replica on the host (and a restarted backend) can report an attempt
 * another one started; a process whose backend died with it is reported lost.
 *
 * @internal
 */
export class LocalComputeTarget implements ComputeTarget {
  readonly id = 'local';
  private readonly processes = new Map<string, LocalProcess>();

  private constructor(
    private readonly options: {
      workingDirectory: string;
      logDirectory: string;
      gpuIndexes: string[];
      logger: LoggerService;
    },
  ) {}

  static async create(options: { config: Config; logger: LoggerService }) {
    const local = options.config.getOptionalConfig('ml.training.local');
    const logDirectory = resolve(
      local?.getOptionalString('logDirectory') ?? '.data/job-logs',
    );
    await mkdir(logDirectory, { recursive: true });
    return new LocalComputeTarget({
      workingDirectory: resolve(
        local?.getOptionalString('workingDirectory') ?? '.',
      ),
      logDirectory,
      gpuIndexes: await detectGpus(),
      logger: options.logger,
    });
  }

  async dispatch(request: DispatchRequest): Promise<{ externalId: string }> {
    const existing = this.processes.get(request.externalName);
    if (existing) {
      return { externalId: String(existing.child.pid) };
    }
    const elsewhere = await this.readPid(request.externalName);
    if (elsewhere !== undefined) {
      // Started by another backend on this host (a replayed dispatch): the same process.
      return { externalId: String(elsewhere) };
    }
    const [command, ...args] = request.command;
    const logPath = join(
      this.options.logDirectory,
      `${request.externalName}.log`,
    );
    const log = createWriteStream(logPath, { flags: 'a' });
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) {
      if (process.env[name]) env[name] = process.env[name]!;
    }
    Object.assign(env, request.env);
    for (const { name, secretRef } of request.secretEnv) {
      // Locally a secret reference names a variable of the backend's environment.
      const value = secretRef.startsWith('env:')
        ? process.env[secretRef.slice(4)]
        : undefined;
      if (value === undefined) {
        throw new Error(
          `Secret reference '${secretRef}' for ${name} cannot be resolved locally (use env:VARIABLE)`,
        );
      }
      env[name] = value;
    }
    if (request.checkpoint) {
      env.CHECKPOINT_DIR = resolve(
        this.options.workingDirectory,
        request.checkpoint.uri.replace(/^file:\/\//, ''),
      );
      if (request.checkpoint.intervalSeconds) {
        env.CHECKPOINT_INTERVAL_SECONDS = String(
          request.checkpoint.intervalSeconds,
        );
      }
    }
    if (this.options.gpuIndexes.length > 0) {
      env.CUDA_VISIBLE_DEVICES = this.options.gpuIndexes
        .slice(0, request.resources.gpus)
        .join(',');
    }
    const child = spawn(command, args, {
      cwd: this.options.workingDirectory,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry: LocalProcess = { child, logPath, startedAt: new Date() };
    this.processes.set(request.externalName, entry);
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const spawned = new Promise<void>((resolveSpawn, reject) => {
      child.once('spawn', resolveSpawn);
      child.once('error', error => {
        entry.finishedAt = new Date();
        entry.exitCode = 127;
        log.end(`\n[portal] could not start ${command}: ${error.message}\n`);
        reject(error);
      });
    });
    child.once('exit', (code, signal) => {
      entry.finishedAt = new Date();
      entry.exitCode = code;
      entry.signal = signal;
      log.end(`\n[portal] exited with ${code ?? signal}\n`);
      // Another backend on the host may have stopped it by pid, leaving the reason here.
      entry.stoppedFor ??= this.stopMarker(request.externalName);
      writeFileSync(
        this.file(request.externalName, 'exit'),
        JSON.stringify({
          code,
          signal,
          stoppedFor: entry.stoppedFor,
          at: Date.now(),
        }),
      );
    });
    await spawned;
    await writeFile(
      this.file(request.externalName, 'pid'),
      JSON.stringify({ pid: child.pid, startedAt: entry.startedAt.getTime() }),
    );
    this.options.logger.info(
      `local target started ${request.externalName} (pid ${child.pid})`,
    );
    return { externalId: String(child.pid) };
  }

  async status(externalName: string): Promise<ExternalJobStatus> {
    const entry =
      this.processes.get(externalName) ?? (await this.fromFiles(externalName));
    if (!entry) {
      return {
        state: 'not-found',
        reason: 'the process is gone (its backend stopped before it finished)',
      };
    }
    const base = {
      startedAt: entry.startedAt,
      finishedAt: entry.finishedAt,
      instanceType: 'local',
    };
    if (!entry.finishedAt) return { ...base, state: 'running' };
    if (entry.stoppedFor === 'preempted') {
      return {
        ...base,
        state: 'preempted',
        reason: 'simulated spot preemption (SIGTERM with notice)',
      };
    }
    if (entry.exitCode === 0) return { ...base, state: 'succeeded' };
    return {
      ...base,
      state: 'failed',
      reason:
        entry.stoppedFor === 'cancelled'
          ? 'cancelled'
          : `exited with ${entry.exitCode ?? entry.signal}`,
    };
  }

  async cancel(externalName: string): Promise<void> {
    await this.stop(externalName, 'cancelled');
  }

  /** Simulates a spot reclaim: SIGTERM now (the job's notice to checkpoint), SIGKILL after the grace. */
  async preempt(externalName: string): Promise<void> {
    await this.stop(externalName, 'preempted');
  }

  async logs(
    externalName: string,
    options?: { tailLines?: number },
  ): Promise<string> {
    const entry = this.processes.get(externalName);
    const path =
      entry?.logPath ?? join(this.options.logDirectory, `${externalName}.log`);
    const text = await readFile(path, 'utf8').catch(() => '');
    const lines = text.split('\n');
    return lines.slice(-(options?.tailLines ?? 500)).join('\n');
  }

  private file(externalName: string, kind: 'pid' | 'exit' | 'stop') {
    return join(this.options.logDirectory, `${externalName}.${kind}`);
  }

  private async readPid(externalName: string): Promise<number | undefined> {
    const text = await readFile(this.file(externalName, 'pid'), 'utf8').catch(
      () => undefined,
    );
    return text ? JSON.parse(text).pid : undefined;
  }

  private stopMarker(
    externalName: string,
  ): 'preempted' | 'cancelled' | undefined {
    try {
      return readFileSync(this.file(externalName, 'stop'), 'utf8') as
        | 'preempted'
        | 'cancelled';
    } catch {
      return undefined;
    }
  }

  /** What the files say of a process another backend started. */
  private async fromFiles(
    externalName: string,
  ): Promise<Omit<LocalProcess, 'child'> | undefined> {
    const logPath = join(this.options.logDirectory, `${externalName}.log`);
    const started = await readFile(
      this.file(externalName, 'pid'),
      'utf8',
    ).catch(() => undefined);
    if (!started) return undefined;
    const { pid, startedAt } = JSON.parse(started);
    // A process is reaped a moment before its backend writes the exit file: a dead pid
    // without one gets a grace period before it counts as lost.
    for (let check = 0; check < 2; check++) {
      const exit = await readFile(
        this.file(externalName, 'exit'),
        'utf8',
      ).catch(() => undefined);
      if (exit) {
        const { code, signal, stoppedFor, at } = JSON.parse(exit);
        return {
          logPath,
          startedAt: new Date(startedAt),
          finishedAt: new Date(at),
          exitCode: code,
          signal,
          stoppedFor,
        };
      }
      if (isAlive(pid)) return { logPath, startedAt: new Date(startedAt) };
      if (check === 0)
        await new Promise(r => setTimeout(r, EXIT_FILE_GRACE_MS));
    }
    return undefined;
  }

  private async stop(externalName: string, reason: 'preempted' | 'cancelled') {
    const entry = this.processes.get(externalName);
    if (!entry) {
      // Owned by another backend on this host: mark why, then signal it by pid.
      const pid = await this.readPid(externalName);
      if (pid === undefined) return;
      await writeFile(this.file(externalName, 'stop'), reason);
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      return;
    }
    if (entry.finishedAt) return;
    entry.stoppedFor = reason;
    entry.child.kill('SIGTERM');
    const killer = setTimeout(() => entry.child.kill('SIGKILL'), KILL_GRACE_MS);
    await new Promise<void>(done => entry.child.once('exit', () => done()));
    clearTimeout(killer);
  }
}

/** GPU indexes from nvidia-smi, or none when the host has no NVIDIA GPU. */
async function detectGpus(): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)(
      'nvidia-smi',
      ['--query-gpu=index', '--format=csv,noheader'],
      {
        timeout: 5000,
      },
    );
    return stdout
      .split('\n')
      .map(l => l.trim())
      .filter(Boolean);
  } catch {
    return [];
  }
}
