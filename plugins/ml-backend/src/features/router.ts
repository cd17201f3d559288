import express from 'express';
import { InputError } from '@backstage/errors';
import { toGroupRef } from '../shared/groupRefs';
import { FeaturesService } from './FeaturesService';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';

/** Names and filters are read without the blanks around them. */
const trimmed = (value: string | undefined) => value?.trim();

/**
 * The feature catalog API under `/api/ml/features`: views (search, freshness, a view's
 * page), entities, sources, services, and imports of `feast registry-dump` JSON (read
 * as text by the portal's router, so that bad JSON gets the import's message).
 *
 * @internal
 */
export function createFeaturesRouter(options: {
  features: FeaturesService;
  resolveCaller: CallerResolver;
}): express.Router {
  const { features, resolveCaller } = options;
  const router = createPortalRouter();

  router.get('/features/views', async (req, res) => {
    const { stale } = req.query;
    const owner = trimmed(req.query.owner);
    res.json(
      await features.listViews(await resolveCaller(req), {
        q: trimmed(req.query.q),
        project: trimmed(req.query.project),
        owner: owner && (toGroupRef(owner) ?? owner),
        stale: stale === undefined ? undefined : stale === 'true',
      }),
    );
  });

  router.get('/features/views/:project/:name', async (req, res) => {
    res.json(
      await features.getView(
        await resolveCaller(req),
        req.params.project,
        req.params.name,
      ),
    );
  });

  router.get('/features/entities', async (req, res) => {
    res.json(
      await features.listEntities(
        await resolveCaller(req),
        trimmed(req.query.project),
      ),
    );
  });

  router.get('/features/sources', async (req, res) => {
    res.json(
      await features.listSources(
        await resolveCaller(req),
        trimmed(req.query.project),
      ),
    );
  });

  router.get('/features/services', async (req, res) => {
    res.json(
      await features.listServices(
        await resolveCaller(req),
        trimmed(req.query.project),
      ),
    );
  });

  router.get('/features/imports', async (req, res) => {
    res.json(
      await features.listImports(await resolveCaller(req), req.query.limit),
    );
  });

  router.post('/features/imports', async (req, res) => {
    const body: unknown = req.body;
    if (
      body === undefined ||
      (typeof body === 'string' && !body.trim()) ||
      (typeof body === 'object' && body !== null && !Object.keys(body).length)
    ) {
      throw new InputError(
        'The body must be the JSON that `feast registry-dump` prints',
      );
    }
    res.json(
      await features.uploadRegistry(
        await resolveCaller(req),
        body,
        trimmed(req.query.source)!,
      ),
    );
  });

  return router;
}
