import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ConfigReader } from '@backstage/config';
import { startFakeS3Server } from '@ml-portal/plugin-ml-node/testUtils';
import { createArtifactStore } from './createArtifactStore';
import { LocalArtifactStore } from './LocalArtifactStore';
import { S3ArtifactStore } from './S3ArtifactStore';

describe('createArtifactStore', () => {
  let cwd: string;

  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'artifacts-config-'));
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(cwd, { recursive: true, force: true });
  });

  it('defaults to .data/artifacts under the working directory', async () => {
    // Spied, so the test creates nothing in the working directory.
    const create = jest
      .spyOn(LocalArtifactStore, 'create')
      .mockResolvedValue({} as LocalArtifactStore);
    await createArtifactStore(new ConfigReader({}));
    expect(create).toHaveBeenCalledWith({
      directory: join(process.cwd(), '.data/artifacts'),
      maxUploadBytes: 5 * 1024 ** 3,
    });
  });

  it('resolves a configured directory against the working directory', async () => {
    const create = jest
      .spyOn(LocalArtifactStore, 'create')
      .mockResolvedValue({} as LocalArtifactStore);
    await createArtifactStore(
      new ConfigReader({
        ml: { artifacts: { local: { directory: 'store' } } },
      }),
    );
    expect(create).toHaveBeenCalledWith({
      directory: join(process.cwd(), 'store'),
      maxUploadBytes: 5 * 1024 ** 3,
    });
  });

  it('creates the configured local directory', async () => {
    const directory = join(cwd, 'nested/artifacts');
    const store = await createArtifactStore(
      new ConfigReader({ ml: { artifacts: { local: { directory } } } }),
    );
    expect(store).toBeInstanceOf(LocalArtifactStore);
    expect((store as LocalArtifactStore).directory).toBe(directory);
    expect((await stat(directory)).isDirectory()).toBe(true);
  });

  it('uses S3 when ml.artifacts.s3 is set, with the configured prefix', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'fake-access-key';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-key';
    const s3 = await startFakeS3Server();
    try {
      const store = await createArtifactStore(
        new ConfigReader({
          ml: {
            artifacts: {
              s3: {
                bucket: 'ml-artifacts',
                prefix: 'portal',
                region: 'eu-west-1',
                endpoint: s3.endpoint,
                forcePathStyle: true,
              },
            },
          },
        }),
      );
      expect(store).toBeInstanceOf(S3ArtifactStore);
      await store.put('1/run/artifacts/a.txt', Readable.from(['hello']));
      expect([...s3.objects.keys()]).toEqual(['portal/1/run/artifacts/a.txt']);
    } finally {
      await s3.close();
    }
  });

  it('reads ml.artifacts.maxUploadBytes, at most 5 GiB for S3', async () => {
    const local = await createArtifactStore(
      new ConfigReader({
        ml: {
          artifacts: {
            maxUploadBytes: 1024,
            local: { directory: join(cwd, 'local') },
          },
        },
      }),
    );
    expect(local.maxUploadBytes).toBe(1024);
    const big = await createArtifactStore(
      new ConfigReader({
        ml: {
          artifacts: {
            maxUploadBytes: 10 * 1024 ** 3,
            s3: { bucket: 'b', region: 'eu-west-1' },
          },
        },
      }),
    );
    expect(big.maxUploadBytes).toBe(5 * 1024 ** 3);
    for (const maxUploadBytes of [0, -1, 1.5]) {
      await expect(
        createArtifactStore(
          new ConfigReader({ ml: { artifacts: { maxUploadBytes } } }),
        ),
      ).rejects.toThrow(/Invalid config ml.artifacts.maxUploadBytes/);
    }
  });

  it('requires a bucket for S3', async () => {
    await expect(
      createArtifactStore(
        new ConfigReader({
          ml: { artifacts: { s3: { region: 'eu-west-1' } } },
        }),
      ),
    ).rejects.toThrow(/bucket/);
  });
});
