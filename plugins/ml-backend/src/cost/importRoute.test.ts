import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { AddressInfo, Server } from 'node:net';
import { resolve } from 'node:path';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import request from 'supertest';
import { migrateDatabase } from '../database/migrateDatabase';
import { openAccess, userCaller } from '../__testUtils__/access';
import { startPortal } from '../__testUtils__/portal';
import { CostService } from './CostService';
import { DatabaseCostStore } from './DatabaseCostStore';
import { PriceBook } from './priceBook';
import { gpuRow } from './imports/__testUtils__/curRows';
import { createCostRouter } from './router';

const examples = resolve(__dirname, '../../../../examples/cost');
const cur = readFileSync(resolve(examples, 'aws-cur.csv'), 'utf8');
const opencost = readFileSync(
  resolve(examples, 'opencost-allocation.json'),
  'utf8',
);
const [curHeader] = cur.split('\n');
/** A p5 line in the example's columns, of an identity (resource) the example does not have. */
const extraGpuLine = (cost: string) => {
  const row: Record<string, string> = gpuRow({
    'lineItem/ResourceId': 'i-extra',
    'lineItem/UnblendedCost': cost,
  });
  return curHeader
    .split(',')
    .map(column => row[column] ?? '')
    .join(',');
};
const curLines = cur.trimEnd().split('\n').length;

/** The cost router as the plugin mounts it, over the test backend's database, with a chosen upload bound. */
async function startCostApi(maxBillBytes?: number): Promise<Server> {
  const plugin = createBackendPlugin({
    pluginId: 'ml',
    register(env) {
      env.registerInit({
        deps: {
          database: coreServices.database,
          httpRouter: coreServices.httpRouter,
        },
        async init({ database, httpRouter }) {
          const knex = await database.getClient();
          await migrateDatabase(database, knex);
          const cost = new CostService({
            store: DatabaseCostStore.create({ knex }),
            priceBook: PriceBook.fromConfig(new ConfigReader({}), []),
            pools: [],
            budgets: [],
            logger: mockServices.logger.mock(),
            access: openAccess(),
          });
          httpRouter.use(
            createCostRouter({
              cost,
              resolveCaller: async () => userCaller(),
              maxBillBytes,
            }),
          );
          httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
        },
      });
    },
  });
  const { server } = await startTestBackend({ features: [plugin] });
  return server;
}

/** Posts `chunks` as a chunked upload (no Content-Length), as a piped file arrives. */
function postChunked(server: Server, path: string, chunks: string[]) {
  const { port } = server.address() as AddressInfo;
  return new Promise<{ status: number; body: any }>((done, fail) => {
    const req = httpRequest(
      {
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (text += chunk));
        res.on('end', () =>
          done({ status: res.statusCode!, body: JSON.parse(text) }),
        );
      },
    );
    // The server may answer and stop reading before the last chunk.
    req.on('error', fail);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const IMPORTS = '/api/ml/cost/imports';

describe('POST /cost/imports', () => {
  it('streams a CUR upload into the store; the JSON form lands on the same lines', async () => {
    const server = await startCostApi();
    const streamed = await request(server)
      .post(`${IMPORTS}?format=aws-cur`)
      .set('Content-Type', 'text/csv')
      .send(cur);
    expect(streamed.status).toBe(200);
    expect(streamed.body).toEqual({
      source: 'aws-cur',
      rows: 20,
      months: ['2026-05'],
      added: 20,
      changed: 0,
      unchanged: 0,
    });

    const asJson = await request(server)
      .post(IMPORTS)
      .send({ format: 'aws-cur', content: cur });
    expect(asJson.body).toMatchObject({ rows: 20, added: 0, unchanged: 20 });

    // Any other body is the file itself: an OpenCost export uploaded as bytes.
    const allocation = await request(server)
      .post(`${IMPORTS}?format=opencost`)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from(opencost));
    expect(allocation.status).toBe(200);
    expect(allocation.body).toMatchObject({ source: 'opencost', rows: 19 });
  });

  it('answers 400 with the line of a malformed CUR, having written none of it', async () => {
    const server = await startCostApi();
    const upload = (text: string) =>
      request(server)
        .post(`${IMPORTS}?format=aws-cur`)
        .set('Content-Type', 'text/csv')
        .send(text);

    const badQuote = await upload(
      `${cur}${extraGpuLine('10')}\n${curHeader.replace(',', ',"')}\n`,
    );
    expect(badQuote.status).toBe(400);
    expect(badQuote.body.error.message).toBe(
      `aws-cur: line ${curLines + 2}: a quoted field is not closed (missing ")`,
    );
    const badAmount = await upload(`${cur}${extraGpuLine('ten')}\n`);
    expect(badAmount.status).toBe(400);
    expect(badAmount.body.error.message).toMatch(
      `aws-cur: row ${curLines + 1}: lineItem/UnblendedCost 'ten'`,
    );
    const missing = await request(server)
      .post(IMPORTS)
      .set('Content-Type', 'text/csv')
      .send(cur);
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe(
      "format must be 'opencost' or 'aws-cur'",
    );

    // Every line of the refused uploads is new to the store.
    const good = await upload(`${cur}${extraGpuLine('10')}\n`);
    expect(good.body).toMatchObject({ rows: 21, added: 21 });
  });

  it('refuses a bill over its bound with 413, declared or streamed', async () => {
    const maxBillBytes = 4096;
    const server = await startCostApi(maxBillBytes);
    const declared = await request(server)
      .post(`${IMPORTS}?format=aws-cur`)
      .set('Content-Type', 'text/csv')
      .send(cur);
    expect(declared.status).toBe(413);
    expect(declared.body.error.message).toMatch(
      /^the bill is larger than 4096 bytes/,
    );

    const lines = cur.split(/(?<=\n)/);
    const streamed = await postChunked(
      server,
      `${IMPORTS}?format=aws-cur`,
      lines,
    );
    expect(streamed.status).toBe(413);
    expect(streamed.body.error.message).toMatch(
      /^the bill is larger than 4096 bytes/,
    );

    const json = await request(server)
      .post(IMPORTS)
      .send({ format: 'aws-cur', content: cur });
    expect(json.status).toBe(413);

    // Under the bound, a chunked upload is read whole.
    const small = lines.slice(0, 3);
    expect(small.join('').length).toBeLessThan(maxBillBytes);
    const ok = await postChunked(server, `${IMPORTS}?format=aws-cur`, small);
    expect(ok).toMatchObject({ status: 200, body: { rows: 1, added: 1 } });
  });

  it('reaches the route through the plugin and its OpenAPI validation', async () => {
    const { server } = await startPortal();
    const streamed = await request(server)
      .post(`${IMPORTS}?format=aws-cur`)
      .set('Content-Type', 'text/csv')
      .send(cur);
    expect(streamed.status).toBe(200);
    expect(streamed.body).toMatchObject({ rows: 20, added: 20 });
    const malformed = await request(server)
      .post(`${IMPORTS}?format=aws-cur`)
      .set('Content-Type', 'text/csv')
      .send('a,"b\n');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toBe(
      'aws-cur: line 1: a quoted field is not closed (missing ")',
    );
  });
});
