import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigReader, JsonObject } from '@backstage/config';
import { parse } from 'yaml';
import { REPO_ROOT } from './__testUtils__/mlPortal';
import { readLocalPublishDirectory } from './module';

const read = (file: string) =>
  parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as JsonObject;

describe('readLocalPublishDirectory', () => {
  it('is off unless enabled', () => {
    const of = (data: JsonObject) =>
      readLocalPublishDirectory(new ConfigReader(data));
    expect(of({})).toBeUndefined();
    expect(
      of({ ml: { scaffolder: { localPublish: { directory: '/tmp/p' } } } }),
    ).toBeUndefined();
    expect(
      of({
        ml: {
          scaffolder: { localPublish: { enabled: true, directory: '/tmp/p' } },
        },
      }),
    ).toBe('/tmp/p');
  });

  it('publishes to a folder in the local config, never on the production config', () => {
    const local = read('app-config.yaml');
    expect(readLocalPublishDirectory(new ConfigReader(local))).toMatch(
      /\/projects$/,
    );
    const production = ConfigReader.fromConfigs([
      { context: 'app-config.yaml', data: local },
      {
        context: 'app-config.production.yaml',
        data: read('app-config.production.yaml'),
      },
    ]);
    expect(readLocalPublishDirectory(production)).toBeUndefined();
  });
});
