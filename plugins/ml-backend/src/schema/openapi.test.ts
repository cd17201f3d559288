import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

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
