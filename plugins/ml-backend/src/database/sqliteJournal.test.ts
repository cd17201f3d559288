import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { useWriteAheadLog } from './sqliteJournal';

describe('useWriteAheadLog', () => {
  it('puts an SQLite file in WAL mode, which it keeps when opened again', async () => {
    const filename = join(mkdtempSync(join(tmpdir(), 'ml-wal-')), 'ml.sqlite');
    const open = () =>
      knexFactory({
        client: 'better-sqlite3',
        connection: { filename },
        useNullAsDefault: true,
      });
    const mode = async (knex: ReturnType<typeof open>) =>
      (await knex.raw('PRAGMA journal_mode'))[0].journal_mode;

    const first = open();
    expect(await mode(first)).toBe('delete');
    await useWriteAheadLog(first);
    expect(await mode(first)).toBe('wal');
    await first.destroy();

    const again = open();
    expect(await mode(again)).toBe('wal');
    await again.destroy();
  });
});
