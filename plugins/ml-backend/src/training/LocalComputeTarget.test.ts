import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { sampleDispatchRequest } from '@ml-portal/plugin-ml-node/testUtils';
import { ExternalJobStatus } from '@ml-portal/plugin-ml-node';
import { LocalComputeTarget } from './LocalComputeTarget';

/** Two instances over one log directory stand for two backends (or a restarted one) on a host. */
async function twoBackends(local: object = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ml-local-target-'));
  const config = new ConfigReader({
    ml: {
      training: {
        local: { logDirectory: dir, workingDirectory: dir, ...local },
      },
    },
  });
  const create = () =>
    LocalComputeTarget.create({ config, logger: mockServices.logger.mock() });
  return { dir, a: await create(), b: await create() };
}

async function until(
  target: LocalComputeTarget,
  name: string,
  done: (s: ExternalJobStatus) => boolean,
) {
  for (let i = 0; i < 400; i++) {
    const status = await target.status(name);
    if (done(status)) return status;
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`${name} never reached the expected state`);
}

/** Live processes of a process group, once the group is empty or after many looks. */
async function untilGroupEmpty(pgid: number): Promise<number[]> {
  let members: number[] = [];
  for (let i = 0; i < 100; i++) {
    members = readdirSync('/proc')
      .filter(entry => /^\d+$/.test(entry))
      .filter(pid => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const [state, , pgrp] = stat
            .slice(stat.lastIndexOf(')') + 2)
            .split(' ');
          return state !== 'Z' && Number(pgrp) === pgid;
        } catch {
          return false;
        }
      })
      .map(Number);
    if (members.length === 0) return members;
    await new Promise(r => setTimeout(r, 50));
  }
  return members;
}

const request = (command: string, overrides: object = {}) =>
  sampleDispatchRequest(
    { target: 'local' },
    {
      externalName: `ml-${Math.random().toString(36).slice(2)}`,
      command: ['sh', '-c', command],
      ...overrides,
    },
  );

/** Whether a process runs (a zombie left to a PID 1 that does not reap counts as gone). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits until `pid` no longer runs: the group's SIGKILL lands just after the exit file. */
async function untilStopped(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && running(pid); i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  return running(pid);
}

jest.setTimeout(30_000);

describe('LocalComputeTarget', () => {
  it('starts a replayed dispatch once, even when two backends dispatch it together', async () => {
    const { dir, a, b } = await twoBackends();
    const job = request(`echo ran >> ${join(dir, 'runs')}; sleep 0.3`);

    const [first, second] = await Promise.all([
      a.dispatch(job),
      b.dispatch(job),
    ]);
    const third = await a.dispatch(job);

    expect(second.externalId).toBe(first.externalId);
    expect(third.externalId).toBe(first.externalId);
    await until(b, job.externalName, s => s.state === 'succeeded');
    expect(readFileSync(join(dir, 'runs'), 'utf8')).toBe('ran\n');
  });

  it('reports the outcome to any backend from the files the attempt leaves', async () => {
    const { a, b } = await twoBackends();
    const ok = request('echo hello');
    const bad = request('echo oops >&2; exit 3');
    const missing = sampleDispatchRequest(
      { target: 'local' },
      { externalName: 'ml-missing', command: ['no-such-command-here'] },
    );
    await a.dispatch(ok);
    await a.dispatch(bad);
    await a.dispatch(missing);

    expect(
      await until(b, ok.externalName, s => s.state !== 'running'),
    ).toMatchObject({
      state: 'succeeded',
      instanceType: 'local',
    });
    expect(
      await until(b, bad.externalName, s => s.state !== 'running'),
    ).toMatchObject({
      state: 'failed',
      reason: 'exited with 3',
    });
    expect(
      await until(b, 'ml-missing', s => s.state !== 'running'),
    ).toMatchObject({
      state: 'failed',
      reason: 'exited with 127',
    });
    expect(await b.logs(ok.externalName)).toContain('hello');
    expect(await b.logs(bad.externalName)).toContain('oops');
    expect(await b.logs(bad.externalName)).toContain('[portal] exited with 3');
    expect(await b.status('ml-never-dispatched')).toMatchObject({
      state: 'not-found',
    });
  });

  it('cancels and preempts an attempt another backend started, killing what ignores SIGTERM', async () => {
    const { dir, a, b } = await twoBackends();
    const polite = request('trap "exit 0" TERM; while :; do sleep 0.1; done');
    const stubborn = request('trap "" TERM; while :; do sleep 0.1; done');
    await a.dispatch(polite);
    await a.dispatch(stubborn);
    await until(b, polite.externalName, s => s.state === 'running');

    await b.simulatePreemption(polite.externalName);
    expect(await b.status(polite.externalName)).toMatchObject({
      state: 'preempted',
    });

    const started = Date.now();
    await b.cancel(stubborn.externalName);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    expect(await a.status(stubborn.externalName)).toMatchObject({
      state: 'failed',
      reason: 'cancelled',
    });
    for (const job of [polite, stubborn]) {
      const { pid } = JSON.parse(
        readFileSync(join(dir, `${job.externalName}.pid`), 'utf8'),
      );
      expect(await untilGroupEmpty(pid)).toEqual([]);
    }
  });

  it('hands a job PATH, HOME and LANG of the backend, its own env, and only allowlisted variables as secrets', async () => {
    process.env.ML_TEST_BACKEND_SECRET = 'backend-only';
    process.env.ML_TEST_SHARED_TOKEN = 'shared-value';
    try {
      const { dir, a } = await twoBackends({
        envAllowlist: ['ML_TEST_SHARED_TOKEN'],
      });
      const job = request(`env > ${join(dir, 'env')}`, {
        env: { MLFLOW_RUN_ID: 'run-1', ML_JOB_ID: 'job-1', MY_SETTING: 'x' },
        secretEnv: [{ name: 'TOKEN', secretRef: 'env:ML_TEST_SHARED_TOKEN' }],
      });
      await a.dispatch(job);
      await until(a, job.externalName, s => s.state === 'succeeded');
      const env = Object.fromEntries(
        readFileSync(join(dir, 'env'), 'utf8')
          .trim()
          .split('\n')
          .map(line => [
            line.slice(0, line.indexOf('=')),
            line.slice(line.indexOf('=') + 1),
          ]),
      );
      delete env.PWD; // the shell's own
      delete env.SHLVL;
      delete env._;
      expect(env).toEqual({
        PATH: process.env.PATH,
        ...(process.env.HOME && { HOME: process.env.HOME }),
        ...(process.env.LANG && { LANG: process.env.LANG }),
        MLFLOW_RUN_ID: 'run-1',
        ML_JOB_ID: 'job-1',
        MY_SETTING: 'x',
        TOKEN: 'shared-value',
      });

      // A variable off the allowlist is refused before anything starts.
      const greedy = request('echo started', {
        secretEnv: [{ name: 'S', secretRef: 'env:ML_TEST_BACKEND_SECRET' }],
      });
      await expect(a.dispatch(greedy)).rejects.toThrow(
        "Secret reference 'env:ML_TEST_BACKEND_SECRET' for S: the local target hands jobs only the variables ml.training.local.envAllowlist lists",
      );
      expect(await a.status(greedy.externalName)).toMatchObject({
        state: 'not-found',
      });
      const other = request('true', {
        secretEnv: [{ name: 'S', secretRef: 'team/secret' }],
      });
      await expect(a.dispatch(other)).rejects.toThrow(/use env:VARIABLE/);
    } finally {
      delete process.env.ML_TEST_BACKEND_SECRET;
      delete process.env.ML_TEST_SHARED_TOKEN;
    }
  });

  it('refuses every env: secret when no allowlist is configured', async () => {
    process.env.ML_TEST_SHARED_TOKEN = 'shared-value';
    try {
      const { a } = await twoBackends();
      const job = request('true', {
        secretEnv: [{ name: 'T', secretRef: 'env:ML_TEST_SHARED_TOKEN' }],
      });
      await expect(a.dispatch(job)).rejects.toThrow(/envAllowlist/);
    } finally {
      delete process.env.ML_TEST_SHARED_TOKEN;
    }
  });

  it('stops an attempt past its max runtime, its whole process group, and fails it for that', async () => {
    const { dir, a, b } = await twoBackends();
    // Ignores SIGTERM, and so does what it starts: only the group's SIGKILL ends them.
    const stubborn = request(
      `trap "" TERM; sleep 1000 & echo $! > ${join(dir, 'grandchild')}; wait`,
      { maxRuntimeSeconds: 1 },
    );
    const polite = request('sleep 1000', { maxRuntimeSeconds: 1 });
    // Ends first: its watchdog goes with it.
    const quick = request('true', { maxRuntimeSeconds: 1000 });
    await a.dispatch(stubborn);
    await a.dispatch(polite);
    await a.dispatch(quick);

    expect(
      await until(b, polite.externalName, s => s.state !== 'running'),
    ).toMatchObject({ state: 'failed', reason: 'max runtime exceeded' });
    expect(
      await until(b, stubborn.externalName, s => s.state !== 'running'),
    ).toMatchObject({ state: 'failed', reason: 'max runtime exceeded' });
    const grandchild = Number(readFileSync(join(dir, 'grandchild'), 'utf8'));
    expect(await untilStopped(grandchild)).toBe(false);
    expect(
      await until(b, quick.externalName, s => s.state !== 'running'),
    ).toMatchObject({ state: 'succeeded' });
    for (const job of [stubborn, polite, quick]) {
      const { pid } = JSON.parse(
        readFileSync(join(dir, `${job.externalName}.pid`), 'utf8'),
      );
      expect(await untilGroupEmpty(pid)).toEqual([]);
    }
  });
});
