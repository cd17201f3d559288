import express, { Request } from 'express';
import Router from 'express-promise-router';
import {
  LINEAGE_NODE_KINDS,
  LineageNodeKind,
} from '@ml-portal/plugin-ml-common';
import { z } from 'zod';
import { Caller } from '../shared/caller';
import { LINEAGE_MAX_DEPTH, LineageService } from './LineageService';
import { parseRequest } from '../shared/parseRequest';
import { jsonBody } from '../shared/jsonBody';

const lineageQuery = z.object({
  kind: z.enum(LINEAGE_NODE_KINDS as [LineageNodeKind, ...LineageNodeKind[]]),
  id: z.string().min(1).max(255),
  direction: z.enum(['upstream', 'downstream', 'both']).default('both'),
  depth: z.coerce.number().int().min(1).max(LINEAGE_MAX_DEPTH).default(3),
});

const datasetsQuery = z.object({
  q: z.string().max(255).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const createDatasetBody = z.object({
  name: z.string().trim().min(1).max(500),
  source: z.string().min(1).max(10_000),
  sourceType: z.string().trim().min(1).max(64).optional(),
  digest: z.string().trim().min(1).max(64).optional(),
  schema: z.string().max(1_000_000).optional(),
  owner: z
    .string()
    .regex(/^group:[^/]+\/.+$/, 'a group entity ref')
    .optional(),
  residency: z.string().trim().min(1).max(50).optional(),
});

/**
 * The lineage API under `/api/ml`: the graph around a node and the dataset records.
 *
 * @internal
 */
export function createLineageRouter(options: {
  lineage: LineageService;
  resolveCaller: (req: Request) => Promise<Caller>;
}): express.Router {
  const { lineage, resolveCaller } = options;
  const router = Router();
  router.use('/datasets', jsonBody({ limit: '2mb' }));

  router.get('/lineage', async (req, res) => {
    const query = parseRequest(lineageQuery, req.query);
    res.json(
      await lineage.graphFor(await resolveCaller(req), {
        root: { kind: query.kind, id: query.id },
        direction: query.direction,
        depth: query.depth,
      }),
    );
  });

  router.get('/datasets', async (req, res) => {
    res.json(
      await lineage.searchDatasets(
        await resolveCaller(req),
        parseRequest(datasetsQuery, req.query),
      ),
    );
  });

  router.get('/datasets/:id', async (req, res) => {
    res.json(await lineage.getDataset(await resolveCaller(req), req.params.id));
  });

  router.post('/datasets', async (req, res) => {
    const body = parseRequest(createDatasetBody, req.body);
    const caller = await resolveCaller(req);
    res.status(201).json(await lineage.registerDataset(caller, body));
  });

  return router;
}
