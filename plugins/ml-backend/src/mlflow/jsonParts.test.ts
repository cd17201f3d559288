import { mockServices } from '@backstage/backend-test-utils';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import express from 'express';
import request from 'supertest';
import { allocateColumns, metricsOf } from '../tracking/metricChunks';
import { sendJsonParts } from './jsonParts';
import { metricHistoryJson, metricJson } from './serialize';

function columnsOf(points: Array<[number, number, number]>) {
  const columns = allocateColumns(points.length);
  points.forEach(([step, timestamp, value], i) => {
    columns.steps[i] = step;
    columns.timestamps[i] = timestamp;
    columns.values[i] = value;
  });
  return columns;
}

describe('metricHistoryJson', () => {
  it('writes the text JSON.stringify gives for the metrics, whatever the values', () => {
    const columns = columnsOf([
      [0, 1700000000000, 0.1],
      [1, 1700000000001, NaN],
      [2, 1700000000002, Infinity],
      [3, 1700000000003, -Infinity],
      [4, 1700000000004, -0],
      [5, 1700000000005, 5e-324],
      [6, 1700000000006, 1e21],
      [Number.MAX_SAFE_INTEGER, -1, -123456.789],
    ]);
    for (const key of ['loss', 'a "quoted" \\ key', 'ünïcode/ключ']) {
      for (const token of [undefined, 'eyJvZmZzZXQiOjh9']) {
        expect([...metricHistoryJson(key, columns, token)].join('')).toBe(
          JSON.stringify({
            metrics: metricsOf(key, columns).map(metricJson),
            ...(token && { next_page_token: token }),
          }),
        );
      }
    }
    expect([...metricHistoryJson('loss', allocateColumns(0))].join('')).toBe(
      '{"metrics":[]}',
    );
    // Several parts (4096 points each) join into one list.
    const long = columnsOf(
      Array.from({ length: 9000 }, (_, i) => [
        i,
        1000 + i,
        i % 7 ? i / 7 : NaN,
      ]),
    );
    const parts = [...metricHistoryJson('loss', long, 'next')];
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.join('')).toBe(
      JSON.stringify({
        metrics: metricsOf('loss', long).map(metricJson),
        next_page_token: 'next',
      }),
    );
  });
});

describe('sendJsonParts', () => {
  // Backstage's compression middleware in front, as the backend's root router has it.
  const app = express();
  app.use(
    MiddlewareFactory.create({
      config: mockServices.rootConfig(),
      logger: mockServices.logger.mock(),
    }).compression(),
  );
  /** `{"items":[0,1,...]}` of `count` numbers, in parts of 1000. */
  const answer = (count: number) => {
    const parts = ['{"items":['];
    for (let start = 0; start < count; start += 1000) {
      const items = [];
      for (let i = start; i < Math.min(count, start + 1000); i++) items.push(i);
      parts.push(`${start === 0 ? '' : ','}${items.join(',')}`);
    }
    return [...parts, ']}'];
  };
  const answers: Record<string, string[]> = {
    long: answer(60_000),
    short: answer(2_000),
  };
  const textOf = (size: string) => answers[size].join('');
  app.get('/:size', (req, res) =>
    sendJsonParts(req, res, answers[req.params.size]),
  );

  const get = (size: string, acceptEncoding: string) =>
    request(app)
      .get(`/${size}`)
      .set('Accept-Encoding', acceptEncoding)
      .buffer(true)
      // Bytes as received, once decoded by their Content-Encoding: an answer compressed
      // twice would not read back as its text.
      .parse((res, done) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => done(null, Buffer.concat(parts)));
      })
      .expect(200)
      .expect('Content-Type', 'application/json; charset=utf-8');

  it('compresses a long answer once, for a client that accepts gzip', async () => {
    const response = await get('long', 'gzip, deflate');
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.headers.vary).toContain('Accept-Encoding');
    expect(response.body.toString()).toBe(textOf('long'));
  });

  it('leaves it to the middleware for a client that does not', async () => {
    for (const [acceptEncoding, encoding] of [
      ['identity', undefined],
      ['gzip;q=0', undefined],
      ['br', 'br'],
    ]) {
      const response = await get('long', acceptEncoding!);
      expect(response.headers['content-encoding']).toBe(encoding);
      expect(response.body.toString()).toBe(textOf('long'));
    }
  });

  it('writes parts that make the answer, and leaves a short one to the middleware', async () => {
    expect(JSON.parse(textOf('long')).items).toHaveLength(60_000);
    const response = await get('short', 'gzip');
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.body.toString()).toBe(textOf('short'));
  });
});
