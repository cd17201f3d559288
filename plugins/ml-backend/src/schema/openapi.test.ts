import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import request from 'supertest';
import { createPortalApi } from '../router';
import { LINEAGE_MAX_DEPTH } from '../lineage/LineageService';
import { requestLimits } from '../shared/validation';
import { spec } from './openapi';

describe('the code generated from openapi.yaml', () => {
  it('is what the generator writes from the yaml as it stands', async () => {
    // A failure prints which file is stale; `npm run openapi:generate` rewrites it.
    await expect(
      promisify(execFile)(process.execPath, [
        join(__dirname, '../../scripts/openapi-generate.mjs'),
        '--check',
      ]),
    ).resolves.toEqual(
      expect.objectContaining({ stdout: 'Generated files up to date\n' }),
    );
  });
});

describe('openapi.yaml', () => {
  it('is a document the validator loads (a YAML slip makes every request a 400)', async () => {
    const app = express()
      .use(await createPortalApi([express.Router()]))
      .use(
        (
          error: Error,
          _req: express.Request,
          res: express.Response,
          _next: express.NextFunction,
        ) => res.json({ name: error.name, message: error.message }),
      );
    const answer = await request(app).get('/lineage?kind=notebook&id=1');
    expect(answer.body).toEqual({
      name: 'InputError',
      message: expect.stringMatching(
        /^request\/query\/kind must be equal to one of the allowed values/,
      ),
    });
  });

  it('bounds requests as the services do', () => {
    const depth = spec.paths['/lineage'].get.parameters.find(
      parameter => 'name' in parameter && parameter.name === 'depth',
    );
    expect(depth).toMatchObject({ schema: { maximum: LINEAGE_MAX_DEPTH } });
    const search = spec.components.schemas.SearchRunsRequest.properties;
    expect(search.experimentIds.maxItems).toBe(
      requestLimits.searchExperimentIds,
    );
    expect(search.orderBy.maxItems).toBe(requestLimits.orderBy);
  });
});
