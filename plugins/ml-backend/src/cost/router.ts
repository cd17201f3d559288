import express, { Request } from 'express';
import Router from 'express-promise-router';
import { Caller } from '../shared/caller';
import { CostService } from './CostService';
import { jsonBody } from '../shared/jsonBody';
import { MAX_BILL_BYTES, uploadedBill } from './imports/upload';

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
  /** The largest bill an import may upload (50 MB unless given). */
  maxBillBytes?: number;
}): express.Router {
  const { cost, resolveCaller, maxBillBytes = MAX_BILL_BYTES } = options;
  const router = Router();
  // Bills come as JSON (`{ format, content }`) or as the file itself, streamed.
  router.use('/cost/imports', jsonBody({ limit: `${maxBillBytes}` }));

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
    const caller = await resolveCaller(req);
    const bill = req.is('application/json')
      ? req.body
      : {
          format: text(req, 'format'),
          content: uploadedBill(req, maxBillBytes),
        };
    res.json(await cost.importBill(caller, bill));
  });

  return router;
}
