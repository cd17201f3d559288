import express, { Request } from 'express';
import Router from 'express-promise-router';
import { Caller } from '../shared/caller';
import { CostService } from './CostService';
import { jsonBody } from '../shared/jsonBody';

const text = (req: Request, name: string) =>
  typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined;

/**
 * The cost API under `/api/ml/cost`: the managers' summary, recommendations, the price
 * book, the CSV export and bill imports.
 *
 * @internal
 */
export function createCostRouter(options: {
  cost: CostService;
  resolveCaller: (req: Request) => Promise<Caller>;
}): express.Router {
  const { cost, resolveCaller } = options;
  const router = Router();
  // Bills are uploaded as text; a month of a CUR for a few accounts fits.
  router.use('/cost/imports', jsonBody({ limit: '50mb' }));

  router.get('/cost/summary', async (req, res) => {
    res.json(
      await cost.summary(await resolveCaller(req), {
        month: text(req, 'month'),
        team: text(req, 'team'),
      }),
    );
  });

  router.get('/cost/recommendations', async (req, res) => {
    res.json(
      await cost.recommendations(await resolveCaller(req), text(req, 'team')),
    );
  });

  router.get('/cost/prices', async (_req, res) => {
    res.json(cost.prices());
  });

  router.get('/cost/export.csv', async (req, res) => {
    const month = text(req, 'month');
    const csv = await cost.exportCsv(await resolveCaller(req), {
      month,
      team: text(req, 'team'),
    });
    res
      .type('text/csv')
      .attachment(`gpu-spend-${month ?? 'current'}.csv`)
      .send(csv);
  });

  router.post('/cost/imports', async (req, res) => {
    res.json(await cost.importBill(await resolveCaller(req), req.body));
  });

  return router;
}
