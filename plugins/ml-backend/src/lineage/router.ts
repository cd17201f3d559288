import express from 'express';
import { LineageService } from './LineageService';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';

/**
 * The lineage API under `/api/ml`: the graph around a node and the dataset records.
 *
 * @internal
 */
export function createLineageRouter(options: {
  lineage: LineageService;
  resolveCaller: CallerResolver;
}): express.Router {
  const { lineage, resolveCaller } = options;
  const router = createPortalRouter();

  router.get('/lineage', async (req, res) => {
    const { kind, id, direction, depth } = req.query;
    res.json(
      await lineage.graphFor(await resolveCaller(req), {
        root: { kind, id },
        direction: direction!,
        depth: depth!,
      }),
    );
  });

  router.get('/datasets', async (req, res) => {
    res.json(await lineage.searchDatasets(await resolveCaller(req), req.query));
  });

  router.get('/datasets/:id', async (req, res) => {
    res.json(await lineage.getDataset(await resolveCaller(req), req.params.id));
  });

  router.post('/datasets', async (req, res) => {
    const { name, sourceType, digest, residency } = req.body;
    const caller = await resolveCaller(req);
    // Names and labels are stored without the blanks around them.
    res.status(201).json(
      await lineage.registerDataset(caller, {
        ...req.body,
        name: name.trim(),
        sourceType: sourceType?.trim(),
        digest: digest?.trim(),
        residency: residency?.trim(),
      }),
    );
  });

  return router;
}
