import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/databases';
import {
  PLATFORM,
  RECSYS,
  VISION,
  PAT,
  BOB,
  tenancyPermissionFeatures,
  userInfoByTeam,
} from '../__testUtils__/permissions';
import { startPortal } from '../__testUtils__/portal';
import { userRequests } from '../__testUtils__/userRequests';

const databases = createTestDatabases();

const FINANCE = 'group:default/finance';
const FIN = 'user:default/fin';

const budgetPath = (team: string) =>
  `/cost/budgets/${encodeURIComponent(team)}`;

jest.setTimeout(60_000);

describe.each(databases.eachSupportedId())('budgets on %p', databaseId => {
  let knex: Knex;
  let stops: Array<() => Promise<void>>;
  beforeEach(async () => {
    knex = await databases.init(databaseId);
    stops = [];
  });
  afterEach(async () => {
    for (const stop of stops) await stop();
  });

  /**
   * The portal policy on: pat is on the platform team, bob in recsys, fin in finance (which
   * reads every team's spend); config budgets both teams.
   */
  const start = async () => {
    const started = await startPortal({
      database: knex,
      features: [
        ...tenancyPermissionFeatures,
        userInfoByTeam({
          [PAT]: [PLATFORM],
          [BOB]: [RECSYS],
          [FIN]: [FINANCE],
        }),
      ],
      config: { permission: { enabled: true } },
      ml: {
        permissions: { platformGroups: [PLATFORM], managers: [FINANCE] },
        cost: {
          budgets: [
            { team: RECSYS, monthlyUsd: 100 },
            { team: VISION, monthlyUsd: 250, alertAt: [0.5, 1], hard: true },
          ],
        },
      },
    });
    stops.push(started.stop);
    return {
      pat: userRequests(started.server, PAT),
      bob: userRequests(started.server, BOB),
      fin: userRequests(started.server, FIN),
    };
  };

  it("a platform member sets a team's budget; the summary and list use it over config", async () => {
    const { pat, bob } = await start();
    const set = await pat.putJson(budgetPath(RECSYS), {
      monthlyUsd: 500.5,
      alertAt: [1, 0.9],
      hard: true,
    });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      team: RECSYS,
      monthlyUsd: 500.5,
      alertAt: [0.9, 1],
      hard: true,
      source: 'api',
      updatedBy: PAT,
      updatedAt: expect.any(Number),
    });

    // The same request again is the same budget.
    const again = await pat.putJson(budgetPath(RECSYS), {
      monthlyUsd: 500.5,
      alertAt: [1, 0.9],
      hard: true,
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ monthlyUsd: 500.5, alertAt: [0.9, 1] });

    const summary = await bob.get(
      `/cost/summary?team=${encodeURIComponent(RECSYS)}`,
    );
    expect(summary.status).toBe(200);
    expect(summary.body.budgets).toEqual([
      expect.objectContaining({
        team: RECSYS,
        amountMicros: 500_500_000,
        thresholds: [0.9, 1],
        hard: true,
      }),
    ]);

    // Bob sees his team's budget only; the platform team, which sets them, sees all.
    const bobs = await bob.get('/cost/budgets');
    expect(bobs.status).toBe(200);
    expect(bobs.body.items).toEqual([
      expect.objectContaining({
        team: RECSYS,
        source: 'api',
        monthlyUsd: 500.5,
      }),
    ]);
    const all = await pat.get('/cost/budgets');
    expect(
      all.body.items.map((b: { team: string; source: string }) => [
        b.team,
        b.source,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [RECSYS, 'api'],
        [VISION, 'config'],
      ]),
    );
    expect(all.body.items).toHaveLength(2);
  });

  it('a team without a row keeps its config budget', async () => {
    const { pat, fin } = await start();
    const summary = await fin.get(
      `/cost/summary?team=${encodeURIComponent(VISION)}`,
    );
    expect(summary.status).toBe(200);
    expect(summary.body.budgets).toEqual([
      expect.objectContaining({
        team: VISION,
        amountMicros: 250_000_000,
        thresholds: [0.5, 1],
        hard: true,
      }),
    ]);
    const listed = await pat.get('/cost/budgets');
    expect(listed.body.items).toContainEqual({
      team: VISION,
      monthlyUsd: 250,
      alertAt: [0.5, 1],
      hard: true,
      source: 'config',
    });
  });

  it('refuses members of other teams, even for their own team (403)', async () => {
    const { bob, pat } = await start();
    const refused = await bob.putJson(budgetPath(RECSYS), { monthlyUsd: 1e6 });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('ml.budget.update');
    const listed = await pat.get('/cost/budgets');
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({
        team: RECSYS,
        monthlyUsd: 100,
        source: 'config',
      }),
    );
  });

  it.each([
    [{ monthlyUsd: 0 }, 'monthlyUsd'],
    [{ monthlyUsd: -5 }, 'monthlyUsd'],
    [{ alertAt: [0.8] }, 'monthlyUsd'],
    [{ monthlyUsd: 10, alertAt: [0, 1] }, 'alertAt'],
    [{ monthlyUsd: 10, alertAt: [2.5] }, 'alertAt'],
    [{ monthlyUsd: 10, hard: 'yes' }, 'hard'],
  ])('answers 400 for %j', async (body, field) => {
    const { pat } = await start();
    const res = await pat.putJson(budgetPath(RECSYS), body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
  });

  it('answers 400 for a team that is not a group', async () => {
    const { pat } = await start();
    const res = await pat.putJson(budgetPath('user:default/bob'), {
      monthlyUsd: 10,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('not a group reference');
  });
});
