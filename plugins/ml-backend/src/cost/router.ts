import express from 'express';
import { CostService } from './CostService';
import { jsonBody } from '../shared/jsonBody';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';
import { MAX_BILL_BYTES, uploadedBill } from './imports/upload';

/**
 * The cost API under `/api/ml/cost`: the managers' summary, recommendations, budgets,
 * the price book, the CSV export and bill imports.
 *
 * @internal
 */
export function createCostRouter(options: {
  cost: CostService;
  resolveCaller: CallerResolver;
  /** The largest bill an import may upload (50 MB unless given). */
  maxBillBytes?: number;
}): express.Router {
  const { cost, resolveCaller, maxBillBytes = MAX_BILL_BYTES } = options;
  const router = createPortalRouter();
  // Bills come as JSON (`{ format, content }`) or as the file itself, streamed. The
  // portal's router has parsed JSON already where this router is mounted on it.
  router.use('/cost/imports', jsonBody({ limit: `${maxBillBytes}` }));

  router.get('/cost/summary', async (req, res) => {
    res.json(await cost.summary(await resolveCaller(req), req.query));
  });

  router.get('/cost/model-versions/:name/:version', async (req, res) => {
    res.json(
      await cost.modelVersionCost(
        await resolveCaller(req),
        req.params.name,
        req.params.version,
      ),
    );
  });

  router.get('/cost/logged-models/:modelId', async (req, res) => {
    res.json(
      await cost.loggedModelCost(await resolveCaller(req), req.params.modelId),
    );
  });

  router.get('/cost/recommendations', async (req, res) => {
    res.json(
      await cost.recommendations(await resolveCaller(req), req.query.team),
    );
  });

  router.get('/cost/budgets', async (req, res) => {
    res.json({ items: await cost.listBudgets(await resolveCaller(req)) });
  });

  router.put('/cost/budgets/:team', async (req, res) => {
    res.json(
      await cost.setBudget(await resolveCaller(req), req.params.team, req.body),
    );
  });

  router.get('/cost/prices', async (_req, res) => {
    res.json(cost.prices());
  });

  router.get('/cost/export.csv', async (req, res) => {
    const { month } = req.query;
    const csv = await cost.exportCsv(await resolveCaller(req), req.query);
    res
      .type('text/csv')
      .attachment(`gpu-spend-${month ?? 'current'}.csv`)
      .send(csv);
  });

  router.post('/cost/imports', async (req, res) => {
    const caller = await resolveCaller(req);
    const bill = req.is('application/json')
      ? req.body
      : {
          format: req.query.format,
          content: uploadedBill(req, maxBillBytes),
        };
    res.json(await cost.importBill(caller, bill));
  });

  return router;
}
