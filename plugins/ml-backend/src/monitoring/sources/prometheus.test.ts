import { once } from 'node:events';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { DEFAULT_CONVENTIONS } from './conventions';
import { counterDeltas, scrapedCounts } from './deltas';
import { latencyQuantiles } from '../../shared/latency';
import { fetchExposition, parseExposition, readCounters } from './prometheus';
import {
  kserveExposition,
  startMetricsServer,
  tritonExposition,
} from './__testUtils__/expositions';

const URL_A = 'http://10.0.0.7:8080/metrics';

describe('reading Prometheus expositions', () => {
  it('keeps every label set of a histogram (the library alone folds them into one)', () => {
    const text = `# TYPE request_predict_seconds histogram
request_predict_seconds_bucket{le="0.1",model_name="a"} 3.0
request_predict_seconds_bucket{le="+Inf",model_name="a"} 5.0
request_predict_seconds_count{model_name="a"} 5.0
request_predict_seconds_bucket{le="0.1",model_name="b"} 1.0
request_predict_seconds_bucket{le="+Inf",model_name="b"} 2.0
request_predict_seconds_count{model_name="b"} 2.0
`;
    const buckets = parseExposition(text).filter(
      s => s.name === 'request_predict_seconds_bucket',
    );
    expect(buckets).toEqual([
      {
        name: 'request_predict_seconds_bucket',
        labels: { le: '0.1', model_name: 'a' },
        value: 3,
      },
      {
        name: 'request_predict_seconds_bucket',
        labels: { le: '+Inf', model_name: 'a' },
        value: 5,
      },
      {
        name: 'request_predict_seconds_bucket',
        labels: { le: '0.1', model_name: 'b' },
        value: 1,
      },
      {
        name: 'request_predict_seconds_bucket',
        labels: { le: '+Inf', model_name: 'b' },
        value: 2,
      },
    ]);
  });

  it("reads a KServe model server's requests and latency buckets", () => {
    const text = kserveExposition({
      model: 'churn',
      predict: { '0.01': 40, '0.05': 90, '0.25': 99, '+Inf': 100 },
      sumSeconds: 2.2,
    });
    const read = readCounters(text, URL_A, DEFAULT_CONVENTIONS)!;
    expect(read.convention).toBe('kserve');
    const counts = scrapedCounts(counterDeltas({}, read.counters), {
      buckets: 1e6,
    });
    expect(counts).toMatchObject({ requests: 100, errors: 0, clientErrors: 0 });
    // 40 at ≤10 ms, 50 at ≤50 ms, 9 at ≤250 ms, 1 above: recorded at the upper bounds.
    const q = latencyQuantiles([counts.latency])!;
    expect(q.p50Ms).toBeCloseTo(50, 0);
    expect(q.p95Ms).toBeCloseTo(250, -1);
    expect(q.p99Ms).toBeCloseTo(250, -1);
  });

  it("reads Triton's success and failure counters and its mean duration", () => {
    const text = tritonExposition({
      model: 'resnet',
      success: 200,
      failure: 5,
      durationUs: 200 * 12_000,
    });
    const read = readCounters(text, URL_A, DEFAULT_CONVENTIONS)!;
    expect(read.convention).toBe('triton');
    const counts = scrapedCounts(counterDeltas({}, read.counters), {
      total: 1,
    });
    expect(counts).toMatchObject({ requests: 205, errors: 5 });
    expect(latencyQuantiles([counts.latency])!.p50Ms).toBeCloseTo(12, 0);
    // Its GPU utilisation gauge, in percent.
    expect(read.gpuUtilization).toBeCloseTo(41);
  });

  it("reads TorchServe's counters", () => {
    const text = `# HELP ts_inference_requests_total Total number of inference requests.
# TYPE ts_inference_requests_total counter
ts_inference_requests_total{uuid="a1",model_name="bert",model_version="default",} 30.0
# HELP ts_inference_latency_microseconds Cumulative inference duration in microseconds
# TYPE ts_inference_latency_microseconds counter
ts_inference_latency_microseconds{uuid="a1",model_name="bert",model_version="default",} 900000.0
# HELP Requests5XX Torchserve prometheus counter metric with unit: Count
# TYPE Requests5XX counter
Requests5XX{Level="Host",Hostname="ts-0",} 2.0
# HELP Requests4XX Torchserve prometheus counter metric with unit: Count
# TYPE Requests4XX counter
Requests4XX{Level="Host",Hostname="ts-0",} 3.0
`;
    const read = readCounters(text, URL_A, DEFAULT_CONVENTIONS)!;
    expect(read.convention).toBe('torchserve');
    const counts = scrapedCounts(counterDeltas({}, read.counters), {
      total: 1,
    });
    expect(counts).toMatchObject({ requests: 30, errors: 2, clientErrors: 3 });
    expect(latencyQuantiles([counts.latency])!.p50Ms).toBeCloseTo(30, 0);
  });

  it('says when no convention applies', () => {
    expect(
      readCounters(
        'process_cpu_seconds_total 3.2\n',
        URL_A,
        DEFAULT_CONVENTIONS,
      ),
    ).toBeUndefined();
  });

  it('counts a counter that went down from zero (a restart)', () => {
    expect(counterDeltas({ a: 100, b: 10 }, { a: 130, b: 4, c: 7 })).toEqual({
      a: 30,
      b: 4,
      c: 7,
    });
  });
});

describe('fetchExposition', () => {
  it('reads the text a server answers', async () => {
    const server = await startMetricsServer();
    try {
      server.pages.set('/metrics', 'x 1\n');
      await expect(
        fetchExposition(server.url('/metrics'), {
          timeoutMs: 5000,
          maxBytes: 100,
        }),
      ).resolves.toBe('x 1\n');
      await expect(
        fetchExposition(server.url('/missing'), {
          timeoutMs: 5000,
          maxBytes: 100,
        }),
      ).rejects.toThrow(/answered 404/);
    } finally {
      await server.close();
    }
  });

  it('refuses more than maxBytes, declared or streamed', async () => {
    const big = 'x 1\n'.repeat(1000);
    const server = createServer((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': big.length }).end(big);
      } else {
        // Chunked: no length declared, the limit is found while reading.
        res.writeHead(200);
        res.write(big);
        res.end(big);
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      for (const path of ['/declared', '/chunked']) {
        await expect(
          fetchExposition(`http://127.0.0.1:${port}${path}`, {
            timeoutMs: 5000,
            maxBytes: 1000,
          }),
        ).rejects.toThrow(/more than 1000 bytes/);
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('gives up on a server that does not answer', async () => {
    const server = createServer(() => {
      // Never answers.
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      await expect(
        fetchExposition(`http://127.0.0.1:${port}/metrics`, {
          timeoutMs: 300,
          maxBytes: 1000,
        }),
      ).rejects.toThrow(/timeout|aborted/i);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
