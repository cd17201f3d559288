import { ConfiguredPool } from '../shared/pools';
import {
  AdmissionInput,
  decideAdmissions,
  Holding,
  PendingJob,
} from './admission';

const pool = (
  name: string,
  capacityGpus: number,
  extra: Partial<ConfiguredPool> = {},
): ConfiguredPool => ({
  name,
  target: 'local',
  region: 'us-east-1',
  gpuType: 'A100',
  gpusPerNode: 8,
  capacityGpus,
  spot: false,
  labels: {},
  taints: [],
  compliance: [],
  ...extra,
});

let clock = 0;
const job = (
  jobId: string,
  owner: string,
  gpus: number,
  extra: Partial<PendingJob> = {},
): PendingJob => ({
  jobId,
  owner,
  gpus,
  priority: 0,
  createdAt: ++clock,
  pools: ['a100'],
  compliance: [],
  ...extra,
});

const held = (
  jobId: string,
  owner: string,
  gpus: number,
  extra: Partial<Holding> = {},
): Holding => ({
  jobId,
  owner,
  pool: 'a100',
  gpus,
  priority: 0,
  preemptible: true,
  since: ++clock,
  ...extra,
});

function decide(input: Partial<AdmissionInput>) {
  return decideAdmissions({
    pending: [],
    holdings: [],
    pools: [pool('a100', 8)],
    quotas: [],
    teamWeights: {},
    budgetHold: () => undefined,
    ...input,
  });
}

describe('decideAdmissions', () => {
  it('admits by priority, then age, until the pool is full, and says why the rest wait', async () => {
    const decisions = decide({
      pending: [
        job('old', 'vision', 4),
        job('urgent', 'vision', 4, { priority: 10 }),
        job('young', 'vision', 4),
      ],
    });
    expect(decisions).toEqual([
      { jobId: 'urgent', kind: 'admit', pool: 'a100' },
      { jobId: 'old', kind: 'admit', pool: 'a100' },
      {
        jobId: 'young',
        kind: 'pending',
        reason: 'capacity',
        message: 'a100 has 0 of 8 GPUs free; the job needs 4',
      },
    ]);
  });

  it('shares a pool between teams by weighted use, not by arrival', async () => {
    const decisions = decide({
      pools: [pool('a100', 4)],
      holdings: [held('h1', 'vision', 2)],
      pending: [
        job('v1', 'vision', 1),
        job('v2', 'vision', 1),
        job('r1', 'recsys', 1),
        job('r2', 'recsys', 1),
      ],
    });
    // recsys uses nothing yet, so it goes first until it uses as much as vision.
    expect(decisions.filter(d => d.kind === 'admit').map(d => d.jobId)).toEqual(
      ['r1', 'r2'],
    );
  });

  it('keeps a team within nominal plus borrowing limit, naming the numbers', async () => {
    const decisions = decide({
      quotas: [
        { team: 'vision', pool: 'a100', nominalGpus: 2, borrowingLimitGpus: 2 },
      ],
      pending: [
        job('v1', 'vision', 4),
        job('v2', 'vision', 1),
        job('r1', 'recsys', 1),
      ],
    });
    expect(decisions).toEqual([
      { jobId: 'v1', kind: 'admit', pool: 'a100' },
      {
        jobId: 'r1',
        kind: 'pending',
        reason: 'quota',
        message: 'recsys has no quota in a100',
      },
      {
        jobId: 'v2',
        kind: 'pending',
        reason: 'quota',
        message:
          'vision uses 4 of its 2 nominal + 2 borrowable GPUs in a100; the job needs 1',
      },
    ]);
  });

  it('places data only where residency and compliance allow', async () => {
    const decisions = decide({
      pools: [
        pool('us', 8),
        pool('eu', 8, { region: 'eu-west-1' }),
        pool('eu-hipaa', 8, { region: 'eu-central-1', compliance: ['hipaa'] }),
      ],
      pending: [
        job('eu-data', 'vision', 1, {
          pools: ['us', 'eu'],
          dataResidency: 'eu',
        }),
        job('health', 'vision', 1, {
          pools: ['us', 'eu', 'eu-hipaa'],
          dataResidency: 'eu',
          compliance: ['hipaa'],
        }),
        job('nowhere', 'vision', 1, { pools: ['us'], dataResidency: 'eu' }),
      ],
    });
    expect(decisions).toEqual([
      { jobId: 'eu-data', kind: 'admit', pool: 'eu' },
      { jobId: 'health', kind: 'admit', pool: 'eu-hipaa' },
      {
        jobId: 'nowhere',
        kind: 'pending',
        reason: 'residency',
        message: "No pool among us satisfies data residency 'eu'",
      },
    ]);
  });

  it('holds a team over budget', async () => {
    const decisions = decide({
      pending: [job('v1', 'vision', 1)],
      budgetHold: team =>
        team === 'vision'
          ? 'vision is over its hard budget for 2026-11'
          : undefined,
    });
    expect(decisions).toEqual([
      {
        jobId: 'v1',
        kind: 'pending',
        reason: 'budget',
        message: 'vision is over its hard budget for 2026-11',
      },
    ]);
  });

  it('preempts borrowed work, newest first, when an owner reclaims its nominal quota', async () => {
    const decisions = decide({
      pools: [pool('a100', 4)],
      quotas: [
        { team: 'vision', pool: 'a100', nominalGpus: 2, borrowingLimitGpus: 2 },
        { team: 'recsys', pool: 'a100', nominalGpus: 2, borrowingLimitGpus: 2 },
      ],
      holdings: [held('r-old', 'recsys', 2), held('r-new', 'recsys', 2)],
      pending: [job('v1', 'vision', 2)],
    });
    expect(decisions).toEqual([
      {
        jobId: 'v1',
        kind: 'preempt',
        victims: ['r-new'],
        message:
          'vision reclaims its nominal quota in a100: preempting borrowed work of r-new',
      },
    ]);
  });
});
