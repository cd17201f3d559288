import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { InputError, NotFoundError } from '@backstage/errors';
import { startFakeS3Server } from '@ml-portal/plugin-ml-node/testUtils';
import {
  ArtifactStore,
  ArtifactTooLargeError,
  DEFAULT_MAX_UPLOAD_BYTES,
  normalizeArtifactPath,
} from './ArtifactStore';
import { LocalArtifactStore } from './LocalArtifactStore';
import { S3ArtifactStore } from './S3ArtifactStore';

/** Each byte value, then random bytes: what a text-mode mistake would mangle. */
const BINARY = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  randomBytes(4096),
]);

function body(data: string | Buffer): Readable {
  return Readable.from([Buffer.from(data)]);
}

/** A body that breaks off after its first kilobyte, as an aborted upload does. */
function brokenBody(): Readable {
  return Readable.from(
    (async function* generate() {
      yield Buffer.alloc(1024, 7);
      throw new Error('client went away');
    })(),
  );
}

async function read(store: ArtifactStore, path: string): Promise<Buffer> {
  return buffer((await store.get(path)).body);
}

/**
 * A body without end, 64 KiB at a time, that counts the bytes it was asked for: an
 * upload larger than any limit.
 */
function endlessBody() {
  const produced = { bytes: 0 };
  const chunk = Buffer.alloc(64 * 1024, 1);
  const stream = Readable.from(
    (function* generate() {
      for (;;) {
        produced.bytes += chunk.length;
        yield chunk;
      }
    })(),
  );
  return { stream, produced };
}

type Harness = { store: ArtifactStore; close(): Promise<void> };
type Options = { maxUploadBytes?: number };

const implementations: Array<
  [string, (options?: Options) => Promise<Harness>]
> = [
  [
    'LocalArtifactStore',
    async (options = {}) => {
      const directory = await mkdtemp(join(tmpdir(), 'artifacts-test-'));
      const store = await LocalArtifactStore.create({ directory, ...options });
      return {
        store,
        close: () => rm(directory, { recursive: true, force: true }),
      };
    },
  ],
  [
    'S3ArtifactStore on a fake S3',
    async (options = {}) => {
      // Two entries per listing page, so that every listing below paginates.
      const s3 = await startFakeS3Server({ pageSize: 2 });
      const store = S3ArtifactStore.create({
        bucket: 'ml-artifacts',
        prefix: 'portal/mlflow',
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        ...options,
      });
      return { store, close: () => s3.close() };
    },
  ],
];

beforeAll(() => {
  // Dummy credentials for the fake S3, found by the SDK's default chain.
  process.env.AWS_ACCESS_KEY_ID = 'fake-access-key';
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-key';
});

describe.each(implementations)('%s', (_name, setUp) => {
  let harness: Harness;
  let store: ArtifactStore;

  beforeEach(async () => {
    harness = await setUp();
    store = harness.store;
  });

  afterEach(() => harness.close());

  it('reads back the bytes it stored, with their size', async () => {
    await store.put('1/run/artifacts/model.bin', body(BINARY));
    const file = await store.get('1/run/artifacts/model.bin');
    expect(file.size).toBe(BINARY.length);
    expect((await buffer(file.body)).equals(BINARY)).toBe(true);
  });

  it('streams a body of many chunks', async () => {
    const chunks = Array.from({ length: 48 }, () => randomBytes(64 * 1024));
    await store.put('big/weights.bin', Readable.from(chunks));
    expect(
      (await read(store, 'big/weights.bin')).equals(Buffer.concat(chunks)),
    ).toBe(true);
  });

  it('replaces a file on a second put', async () => {
    await store.put('a.txt', body('first'));
    await store.put('a.txt', body('second'));
    expect((await read(store, 'a.txt')).toString()).toBe('second');
  });

  it('stores names with spaces, unicode and URL syntax', async () => {
    const path = 'dir/ä b+c%20&?#=.txt';
    await store.put(path, body('odd'));
    expect((await read(store, path)).toString()).toBe('odd');
    expect(await store.list('dir')).toEqual([
      { path, isDir: false, fileSize: 3 },
    ]);
  });

  it('answers NotFoundError for a missing file and for a directory', async () => {
    await store.put('dir/file.txt', body('x'));
    await expect(store.get('dir/other.txt')).rejects.toThrow(NotFoundError);
    await expect(store.get('dir')).rejects.toThrow(NotFoundError);
  });

  it('lists the direct children of a directory, sorted, with paths from the root', async () => {
    const run = '1/0a1b/artifacts';
    await store.put(`${run}/model/MLmodel`, body('flavors: {}'));
    await store.put(`${run}/model/model.pkl`, body(BINARY));
    await store.put(`${run}/metrics.json`, body('{}'));
    await store.put(`${run}/b.txt`, body('bb'));
    await store.put(`${run}/model-card.md`, body('# card'));

    expect(await store.list(run)).toEqual([
      { path: `${run}/b.txt`, isDir: false, fileSize: 2 },
      { path: `${run}/metrics.json`, isDir: false, fileSize: 2 },
      { path: `${run}/model`, isDir: true },
      { path: `${run}/model-card.md`, isDir: false, fileSize: 6 },
    ]);
    expect(await store.list(`${run}/model/`)).toEqual([
      { path: `${run}/model/MLmodel`, isDir: false, fileSize: 11 },
      { path: `${run}/model/model.pkl`, isDir: false, fileSize: BINARY.length },
    ]);
    expect(await store.list('')).toEqual([{ path: '1', isDir: true }]);
  });

  it('lists nothing for a missing directory or a file', async () => {
    await store.put('dir/file.txt', body('x'));
    expect(await store.list('nothing/here')).toEqual([]);
    expect(await store.list('dir/file.txt')).toEqual([]);
  });

  it('deletes a file, and the directories it leaves empty', async () => {
    await store.put('a/b/c.txt', body('x'));
    await store.put('keep.txt', body('y'));
    await store.delete('a/b/c.txt');
    await expect(store.get('a/b/c.txt')).rejects.toThrow(NotFoundError);
    expect(await store.list('a')).toEqual([]);
    expect(await store.list('')).toEqual([
      { path: 'keep.txt', isDir: false, fileSize: 1 },
    ]);
  });

  it('deletes a directory tree but not a sibling that shares its prefix', async () => {
    await store.put('d/x/1.txt', body('1'));
    await store.put('d/x/2/3.txt', body('3'));
    await store.put('d/x/4.txt', body('4'));
    await store.put('d/xy.txt', body('xy'));
    await store.delete('d/x');
    expect(await store.list('d')).toEqual([
      { path: 'd/xy.txt', isDir: false, fileSize: 2 },
    ]);
    await expect(store.get('d/x/2/3.txt')).rejects.toThrow(NotFoundError);
  });

  it('deletes nothing without an error, and refuses to delete the root', async () => {
    await expect(store.delete('not/there')).resolves.toBeUndefined();
    await expect(store.delete('')).rejects.toThrow(InputError);
    await expect(store.delete('/')).rejects.toThrow(InputError);
  });

  it('sums the bytes under a prefix', async () => {
    await store.put('s/run/a.bin', body(Buffer.alloc(100)));
    await store.put('s/run/deep/b.bin', body(Buffer.alloc(20)));
    await store.put('s/run2/c.bin', body(Buffer.alloc(3)));
    await store.put('s/run3', body(Buffer.alloc(4)));
    expect(await store.size('s/run')).toBe(120);
    expect(await store.size('s/run/a.bin')).toBe(100);
    expect(await store.size('s/run3')).toBe(4);
    expect(await store.size('s')).toBe(127);
    expect(await store.size('')).toBe(127);
    expect(await store.size('missing')).toBe(0);
  });

  it('leaves nothing behind when an upload breaks off, and keeps the old file', async () => {
    await expect(store.put('run/new.bin', brokenBody())).rejects.toThrow(
      'client went away',
    );
    await expect(store.get('run/new.bin')).rejects.toThrow(NotFoundError);
    expect(await store.list('')).toEqual([]);
    expect(await store.size('')).toBe(0);

    await store.put('run/old.bin', body('old'));
    await expect(store.put('run/old.bin', brokenBody())).rejects.toThrow();
    expect((await read(store, 'run/old.bin')).toString()).toBe('old');
  });

  it('takes 5 GiB uploads unless configured', () => {
    expect(store.maxUploadBytes).toBe(DEFAULT_MAX_UPLOAD_BYTES);
  });

  it('stops an upload at its first byte over maxUploadBytes and keeps nothing of it', async () => {
    const limit = 256 * 1024;
    const limited = await setUp({ maxUploadBytes: limit });
    try {
      expect(limited.store.maxUploadBytes).toBe(limit);
      const exact = randomBytes(limit);
      await limited.store.put('run/exact.bin', body(exact));
      expect((await read(limited.store, 'run/exact.bin')).equals(exact)).toBe(
        true,
      );

      const endless = endlessBody();
      const error = await limited.store
        .put('run/huge.bin', endless.stream)
        .catch(e => e);
      expect(error).toBeInstanceOf(ArtifactTooLargeError);
      expect(error.message).toBe(
        `Artifact 'run/huge.bin' is larger than the ${limit} bytes an upload may hold (ml.artifacts.maxUploadBytes)`,
      );
      // Read no further than the limit and what the streams buffer on the way.
      expect(endless.produced.bytes).toBeLessThan(limit + 1024 * 1024);
      await expect(limited.store.get('run/huge.bin')).rejects.toThrow(
        NotFoundError,
      );

      // One byte over, and a replacement that is too large keeps the old file.
      await expect(
        limited.store.put('run/exact.bin', body(randomBytes(limit + 1))),
      ).rejects.toThrow(ArtifactTooLargeError);
      expect((await read(limited.store, 'run/exact.bin')).equals(exact)).toBe(
        true,
      );
      expect(await limited.store.size('')).toBe(limit);
    } finally {
      await limited.close();
    }
  });

  it.each([
    // Over both stores' limits: a name of 255 bytes, a path of 4,095 (local), a key
    // of 1,024 bytes (S3).
    'a'.repeat(1100),
    `run/${'\u00e9'.repeat(600)}`,
    Array.from({ length: 900 }, () => 'abcd').join('/'),
  ])('rejects a path too long to store, %#', async path => {
    await expect(store.put(path, body('x'))).rejects.toThrow(InputError);
    await expect(store.get(path)).rejects.toThrow(InputError);
    await expect(store.list(path)).rejects.toThrow(InputError);
    await expect(store.delete(path)).rejects.toThrow(InputError);
    await expect(store.size(path)).rejects.toThrow(InputError);
  });

  it.each(['../x', 'a/../../x', '/etc/passwd', 'C:/x', 'a\\b', 'a\0b'])(
    'rejects the unsafe path %j in every method',
    async path => {
      await expect(store.put(path, body('x'))).rejects.toThrow(InputError);
      await expect(store.get(path)).rejects.toThrow(InputError);
      await expect(store.list(path)).rejects.toThrow(InputError);
      await expect(store.delete(path)).rejects.toThrow(InputError);
      await expect(store.size(path)).rejects.toThrow(InputError);
    },
  );
});

describe('normalizeArtifactPath', () => {
  it.each([
    ['', ''],
    ['a', 'a'],
    ['a/b/c', 'a/b/c'],
    ['a/b/', 'a/b'],
    ['a//b/./c', 'a/b/c'],
    ['./a', 'a'],
    ['a..b/..c', 'a..b/..c'],
  ])('normalizes %j to %j', (path, expected) => {
    expect(normalizeArtifactPath(path)).toBe(expected);
  });

  it.each([
    '..',
    'a/..',
    '../a',
    'a/../b',
    '/a',
    '//a',
    'C:',
    'c:/a',
    'a\\b',
    'a\0',
  ])('rejects %j', path => {
    expect(() => normalizeArtifactPath(path)).toThrow(InputError);
  });
});

describe('LocalArtifactStore', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'artifacts-local-'));
  });

  afterEach(() => rm(directory, { recursive: true, force: true }));

  it('keeps uploads in flight out of the tree and cleans up after a broken one', async () => {
    const store = await LocalArtifactStore.create({ directory });
    await expect(store.put('a/b/c.bin', brokenBody())).rejects.toThrow();
    expect(await readdir(directory)).toEqual(['.staging']);
    expect(await readdir(join(directory, '.staging'))).toEqual([]);
  });

  it('removes the staged part of an upload over the limit', async () => {
    const store = await LocalArtifactStore.create({
      directory,
      maxUploadBytes: 1000,
    });
    await expect(store.put('a/b/c.bin', endlessBody().stream)).rejects.toThrow(
      ArtifactTooLargeError,
    );
    expect(await readdir(directory)).toEqual(['.staging']);
    expect(await readdir(join(directory, '.staging'))).toEqual([]);
  });

  it('stores files while concurrent deletes prune their parents', async () => {
    // mkdir -p of a/b/c/d races the pruning of the directories a delete leaves empty:
    // ENOENT from mkdir or rename is tried again, never an error of the upload.
    const store = await LocalArtifactStore.create({ directory });
    for (let round = 0; round < 100; round++) {
      await expect(
        Promise.all([
          store.put(`a/b/c/d/${round}.bin`, body('x')),
          store.put('a/b/other.bin', body('y')).then(() => store.delete('a/b')),
          store.put('a/b/c/x.bin', body('z')).then(() => store.delete('a/b/c')),
        ]),
      ).resolves.toHaveLength(3);
    }
  });

  it('reserves the staging directory', async () => {
    const store = await LocalArtifactStore.create({ directory });
    await expect(store.get('.staging/x')).rejects.toThrow(InputError);
    await expect(store.put('.staging/x', body('x'))).rejects.toThrow(
      InputError,
    );
  });

  it('answers ConflictError where a file and a directory would share a path', async () => {
    const store = await LocalArtifactStore.create({ directory });
    await store.put('a/b', body('file'));
    await expect(store.put('a/b/c', body('x'))).rejects.toMatchObject({
      name: 'ConflictError',
    });
    await expect(store.put('a', body('x'))).rejects.toMatchObject({
      name: 'ConflictError',
    });
    expect((await read(store, 'a/b')).toString()).toBe('file');
  });
});
