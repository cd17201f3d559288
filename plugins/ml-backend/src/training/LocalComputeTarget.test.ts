import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { sampleDispatchRequest } from '@ml-portal/plugin-ml-node/testUtils';
import { ExternalJobStatus } from '@ml-portal/plugin-ml-node';
import { LocalComputeTarget } from './LocalComputeTarget';

/** Two instances over one log directory stand for two backends (or a restarted one) on a host. */
async function twoBackends() {
  const dir = mkdtempSync(join(tmpdir(), 'ml-local-target-'));
  const config = new ConfigReader({
    ml: { training: { local: { logDirectory: dir, workingDirectory: dir } } },
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
  for (let i = 0; i < 200; i++) {
    const status = await target.status(name);
    if (done(status)) return status;
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`${name} never reached the expected state`);
}

const request = (command: string) =>
  sampleDispatchRequest(
    { target: 'local' },
    {
      externalName: `ml-${Math.random().toString(36).slice(2)}`,
      command: ['sh', '-c', command],
    },
  );

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
    const { a, b } = await twoBackends();
    const polite = request('trap "exit 0" TERM; while :; do sleep 0.1; done');
    const stubborn = request('trap "" TERM; while :; do sleep 0.1; done');
    await a.dispatch(polite);
    await a.dispatch(stubborn);
    await until(b, polite.externalName, s => s.state === 'running');

    await b.preempt(polite.externalName);
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
  });
});
