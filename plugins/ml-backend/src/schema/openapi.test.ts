import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LINEAGE_MAX_DEPTH } from '../lineage/LineageService';
import { requestLimits } from '../shared/validation';
import { spec } from './openapi';

describe('the code generated from openapi.yaml', () => {
  it('is what the generator writes from the yaml as it stands', async () => {
    // A failure prints which file is stale; `npm run openapi:generate` rewrites it.
    await expect(
      promisify(execFile)(process.execPath, [
        join(__dirname, 'generate.mjs'),
        '--check',
      ]),
    ).resolves.toEqual(
      expect.objectContaining({ stdout: 'Generated files up to date\n' }),
    );
  });
});

describe('openapi.yaml', () => {
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
