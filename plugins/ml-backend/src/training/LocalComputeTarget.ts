import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import {
  ComputeTarget,
  DispatchRequest,
  ExternalJobStatus,
} from '@ml-portal/plugin-ml-node';
import { readLocalTargetPolicy } from './config';

/** What the files of an attempt say about its process. */
type LocalProcess = {
  pid: number;
  startedAt: Date;
  finishedAt?: Date;
  exitCode?: number | null;
  signal?: string | null;
  /** Set when the platform stopped it: a simulated preemption, a cancel, its max runtime. */
  stoppedFor?: StopReason;
};

type StopReason = 'preempted' | 'cancelled' | 'timeout';

/**
 * All a job gets of the backend's environment: enough to find binaries. Everything else
 * it sees is the platform's (MLFLOW_*, ML_JOB_*, CHECKPOINT_*), its spec's own env and
 * the secrets `envAllowlist` lets it name.
 */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG'];
const KILL_GRACE_MS = 5000;
const EXIT_FILE_GRACE_MS = 2000;
/** Exit status of a supervisor that found the attempt already started. */
const ALREADY_STARTED = 75;

/**
 * Runs one attempt: `sh -c SUPERVISOR sh <pid file> <exit file> <stop file> <max runtime>
 * <grace> <command...>`. It claims the attempt by creating the pid file exclusively
 * (noclobber), so a replayed dispatch never starts the command twice, even when the
 * backend that dispatched first was killed between spawning and recording. It forwards
 * SIGTERM/SIGINT to the command and writes the exit file itself, so an attempt outlives
 * a crashed or restarted backend and its outcome is still known.
 *
 * With a max runtime (seconds, 0 for none) a watchdog subshell marks the attempt
 * `timeout` when it is up, SIGTERMs the supervisor's process group (the command and
 * everything it started; the supervisor forwards it too), and after the grace writes
 * the exit file if the supervisor has not and SIGKILLs the group, stragglers and
 * itself included. It runs on the host, so the limit holds while no backend runs.
 *
 * Once the command has ended and the exit file is written, the supervisor SIGKILLs its
 * own group: the watchdog and whatever the command left running go with the attempt.
 */
const SUPERVISOR = `
pid_file=$1 exit_file=$2 stop_file=$3 max_runtime=$4 grace=$5
shift 5
set -C
{ printf '{"pid":%s,"startedAt":%s}' $$ "$(date +%s%3N)" > "$pid_file"; } 2>/dev/null || exit ${ALREADY_STARTED}
set +C
"$@" &
child=$!
trap 'kill -TERM $child 2>/dev/null' TERM
trap 'kill -INT $child 2>/dev/null' INT
if [ "$max_runtime" -gt 0 ]; then
  (
    sleep "$max_runtime"
    [ -e "$exit_file" ] && exit 0
    # Time is up: from here on nothing stops the watchdog but the group's SIGKILL.
    trap '' TERM
    printf timeout > "$stop_file"
    kill -s TERM -- -$$ 2>/dev/null
    sleep "$grace"
    [ -e "$exit_file" ] || { printf '{"code":null,"signal":"SIGKILL","at":%s}' "$(date +%s%3N)" > "$exit_file.tmp" && mv -f "$exit_file.tmp" "$exit_file"; }
    kill -s KILL -- -$$ 2>/dev/null
  ) </dev/null &
fi
wait $child
code=$?
# A trapped signal cuts wait short (status > 128) while the command still runs: wait
# again. Only then: once reaped, the pid can belong to another process (pid_max is
# 32768 here), where wait answers 127 at once and kill -0 succeeds, so a loop on kill -0
# alone spun forever and the attempt never ended.
while [ $code -gt 128 ] && kill -0 $child 2>/dev/null; do
  wait $child
  next=$?
  [ $next -eq 127 ] && break
  code=$next
done
printf '\n[portal] exited with %s\n' $code
printf '{"code":%s,"at":%s}' $code "$(date +%s%3N)" > "$exit_file.tmp" && mv -f "$exit_file.tmp" "$exit_file"
# The attempt is over: what it left in its process group (background processes, the
# watchdog) ends with it, as when a container's main process exits.
trap - TERM INT
kill -s KILL -- -$$ 2>/dev/null
exit $code
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** `143` → `SIGTERM`: a shell reports a command killed by signal N as 128 + N. */
function signalOf(code: number | null | undefined): string | undefined {
  if (code === null || code === undefined || code <= 128) return undefined;
  return Object.entries(osConstants.signals).find(
    ([, number]) => number === code - 128,
  )?.[0];
}

/**
 * The `local` compute target: runs a job's command on the backend's host, as the
 * backend's user. For single-machine installs and demos only (enabled by
 * `ml.training.local.enabled`; the training service admits only the jobs of
 * `ml.training.local.allowedGroups`). A job's process gets PATH, HOME and LANG of the
 * backend's environment and nothing else of it: its env (and `CUDA_VISIBLE_DEVICES` when
 * the host has GPUs), and secrets referenced as `env:NAME` only for the names
 * `ml.training.local.envAllowlist` lists. Writes logs to a file per attempt, stops with
 * SIGTERM then SIGKILL, stops an attempt past its `maxRuntimeSeconds` the same way (it
 * fails with `max runtime exceeded`), and can simulate a spot preemption (SIGTERM with
 * notice) so checkpoint/resume runs for real.
 *
 * Each attempt runs under a small supervising shell in its own process group that leaves
 * `<name>.pid`, `<name>.log` and, when it ends, `<name>.exit` in the log directory. The
 * files are the whole state: any backend replica on the host, or a restarted backend,
 * follows and stops an attempt another one started, and attempts keep running while the
 * backend restarts (stop them with cancel).
 *
 * @internal
 */
export class LocalComputeTarget implements ComputeTarget {
  readonly id = 'local';

  private constructor(
    private readonly options: {
      workingDirectory: string;
      logDirectory: string;
      gpuIndexes: string[];
      /** Backend variables `env:NAME` secret references may name. */
      envAllowlist: ReadonlySet<string>;
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
      envAllowlist: new Set(readLocalTargetPolicy(options.config).envAllowlist),
      logger: options.logger,
    });
  }

  async dispatch(request: DispatchRequest): Promise<{ externalId: string }> {
    const { externalName } = request;
    const started = await this.readPid(externalName);
    if (started !== undefined) return { externalId: String(started) };
    const env = this.environment(request);
    const log = openSync(this.file(externalName, 'log'), 'a');
    const supervisor = spawn(
      '/bin/sh',
      [
        '-c',
        SUPERVISOR,
        'sh',
        this.file(externalName, 'pid'),
        this.file(externalName, 'exit'),
        this.file(externalName, 'stop'),
        String(Math.max(0, Math.ceil(request.maxRuntimeSeconds ?? 0))),
        String(KILL_GRACE_MS / 1000),
        ...request.command,
      ],
      {
        cwd: this.options.workingDirectory,
        env,
        stdio: ['ignore', log, log],
        detached: true,
      },
    );
    closeSync(log);
    supervisor.unref();
    await new Promise<void>((resolveSpawn, reject) => {
      supervisor.once('spawn', resolveSpawn);
      supervisor.once('error', reject);
    });
    supervisor.once('exit', (code, signal) => {
      // Killed before it could write its exit file (SIGKILL): write what we saw.
      if (
        code !== ALREADY_STARTED &&
        !existsSync(this.file(externalName, 'exit'))
      )
        this.writeExit(externalName, { code, signal });
    });
    // The supervisor claims the attempt with the pid file; a replay finds another pid.
    for (let waited = 0; waited < 5000; waited += 20) {
      const pid = await this.readPid(externalName);
      if (pid !== undefined) {
        if (pid === supervisor.pid)
          this.options.logger.info(
            `local target started ${externalName} (pid ${pid})`,
          );
        return { externalId: String(pid) };
      }
      await sleep(20);
    }
    throw new Error(`${externalName} did not start within 5 s`);
  }

  async status(externalName: string): Promise<ExternalJobStatus> {
    const entry = await this.fromFiles(externalName);
    if (!entry) {
      return {
        state: 'not-found',
        reason: 'the process is gone without an exit status',
      };
    }
    const base = {
      startedAt: entry.startedAt,
      finishedAt: entry.finishedAt,
      instanceType: 'local',
    };
    if (!entry.finishedAt) return { ...base, state: 'running' };
    if (entry.stoppedFor === 'timeout') {
      return { ...base, state: 'failed', reason: 'max runtime exceeded' };
    }
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
          : `exited with ${entry.signal ?? entry.exitCode}`,
    };
  }

  async cancel(externalName: string): Promise<void> {
    await this.stop(externalName, 'cancelled');
  }

  /** Simulates a spot reclaim: SIGTERM now (the job's notice to checkpoint), SIGKILL after the grace. */
  async simulatePreemption(externalName: string): Promise<void> {
    await this.stop(externalName, 'preempted');
  }

  async logs(
    externalName: string,
    options?: { tailLines?: number },
  ): Promise<string> {
    const text = await readFile(this.file(externalName, 'log'), 'utf8').catch(
      () => '',
    );
    const lines = text.split('\n');
    return lines.slice(-(options?.tailLines ?? 500)).join('\n');
  }

  private environment(request: DispatchRequest): Record<string, string> {
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) {
      if (process.env[name]) env[name] = process.env[name]!;
    }
    Object.assign(env, request.env);
    for (const { name, secretRef } of request.secretEnv) {
      // Locally a secret reference names a variable of the backend's environment, one
      // the allowlist hands to jobs: the backend's own credentials stay its own.
      if (!secretRef.startsWith('env:')) {
        throw new NotAllowedError(
          `Secret reference '${secretRef}' for ${name} cannot be resolved by the local target (use env:VARIABLE)`,
        );
      }
      const variable = secretRef.slice(4);
      if (!this.options.envAllowlist.has(variable)) {
        throw new NotAllowedError(
          `Secret reference '${secretRef}' for ${name}: the local target hands jobs only the variables ml.training.local.envAllowlist lists`,
        );
      }
      const value = process.env[variable];
      if (value === undefined) {
        throw new Error(
          `Secret reference '${secretRef}' for ${name}: the backend has no variable ${variable}`,
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
    return env;
  }

  private file(externalName: string, kind: 'pid' | 'exit' | 'stop' | 'log') {
    return join(this.options.logDirectory, `${externalName}.${kind}`);
  }

  private async readJson(externalName: string, kind: 'pid' | 'exit') {
    const text = await readFile(this.file(externalName, kind), 'utf8').catch(
      () => '',
    );
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      return undefined; // being written: the supervisor creates, then fills it
    }
  }

  private async readPid(externalName: string): Promise<number | undefined> {
    return (await this.readJson(externalName, 'pid'))?.pid;
  }

  private writeExit(
    externalName: string,
    exit: { code: number | null; signal: string | null },
  ) {
    writeFileSync(
      this.file(externalName, 'exit'),
      JSON.stringify({ ...exit, at: Date.now() }),
    );
  }

  private async stopMarker(
    externalName: string,
  ): Promise<StopReason | undefined> {
    const reason = await readFile(
      this.file(externalName, 'stop'),
      'utf8',
    ).catch(() => undefined);
    return reason as StopReason | undefined;
  }

  /** What the files say of an attempt, whichever backend started it. */
  private async fromFiles(
    externalName: string,
  ): Promise<LocalProcess | undefined> {
    const started = await this.readJson(externalName, 'pid');
    if (!started) return undefined;
    const { pid, startedAt } = started;
    // A supervisor killed outright leaves no exit file until its parent (if alive)
    // writes one: a dead pid without one gets a grace period before it counts as lost.
    for (let check = 0; check < 2; check++) {
      const exit = await this.readJson(externalName, 'exit');
      if (exit) {
        return {
          pid,
          startedAt: new Date(startedAt),
          finishedAt: new Date(exit.at),
          exitCode: exit.code,
          signal: exit.signal ?? signalOf(exit.code),
          stoppedFor: await this.stopMarker(externalName),
        };
      }
      if (isAlive(pid)) return { pid, startedAt: new Date(startedAt) };
      if (check === 0) await sleep(EXIT_FILE_GRACE_MS);
    }
    return undefined;
  }

  /**
   * Marks why and SIGTERMs the supervisor's process group (the command, what it started,
   * and the supervisor, which forwards it); once the command has ended, or after the
   * grace, SIGKILLs what is left of the group.
   */
  private async stop(externalName: string, reason: 'preempted' | 'cancelled') {
    const pid = await this.readPid(externalName);
    if (pid === undefined || existsSync(this.file(externalName, 'exit')))
      return;
    await writeFile(this.file(externalName, 'stop'), reason);
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    for (let waited = 0; waited < KILL_GRACE_MS; waited += 100) {
      if (existsSync(this.file(externalName, 'exit'))) break;
      await sleep(100);
    }
    try {
      process.kill(-pid, 'SIGKILL'); // stragglers, or all of it after the grace
    } catch {
      // ended meanwhile
    }
    if (!existsSync(this.file(externalName, 'exit')))
      this.writeExit(externalName, { code: null, signal: 'SIGKILL' });
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
