import express, { Request } from 'express';
import Router from 'express-promise-router';
import { InputError } from '@backstage/errors';
import { z } from 'zod';
import { toGroupRef } from '../shared/groupRefs';
import { Caller } from '../shared/caller';
import { FeaturesService } from './FeaturesService';
import { parseRequest } from '../shared/parseRequest';

const name = z.string().trim().min(1).max(255);

const viewsQuery = z.object({
  q: z.string().trim().max(255).optional(),
  project: name.optional(),
  owner: name.optional(),
  stale: z
    .enum(['true', 'false'])
    .optional()
    .transform(v => (v === undefined ? undefined : v === 'true')),
});

const projectQuery = z.object({ project: name.optional() });

const importsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

const importParams = z.object({
  source: name.default('upload'),
});

/**
 * The feature catalog API under `/api/ml/features`: views (search, freshness, a view's
 * page), entities, sources, services, and imports of `feast registry-dump` JSON.
 *
 * @internal
 */
export function createFeaturesRouter(options: {
  features: FeaturesService;
  resolveCaller: (req: Request) => Promise<Caller>;
}): express.Router {
  const { features, resolveCaller } = options;
  const router = Router();
  // The dump is read as text whatever its content type, so bad JSON gets our message;
  // a body another router already parsed as JSON arrives as an object.
  router.use(
    '/features/imports',
    express.text({ type: () => true, limit: '10mb' }),
  );

  router.get('/features/views', async (req, res) => {
    const query = parseRequest(viewsQuery, req.query);
    res.json(
      await features.listViews(await resolveCaller(req), {
        ...query,
        owner: query.owner && (toGroupRef(query.owner) ?? query.owner),
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
        parseRequest(projectQuery, req.query).project,
      ),
    );
  });

  router.get('/features/sources', async (req, res) => {
    res.json(
      await features.listSources(
        await resolveCaller(req),
        parseRequest(projectQuery, req.query).project,
      ),
    );
  });

  router.get('/features/services', async (req, res) => {
    res.json(
      await features.listServices(
        await resolveCaller(req),
        parseRequest(projectQuery, req.query).project,
      ),
    );
  });

  router.get('/features/imports', async (req, res) => {
    res.json(
      await features.listImports(
        await resolveCaller(req),
        parseRequest(importsQuery, req.query).limit,
      ),
    );
  });

  router.post('/features/imports', async (req, res) => {
    const { source } = parseRequest(importParams, req.query);
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
      await features.uploadRegistry(await resolveCaller(req), body, source),
    );
  });

  return router;
}
