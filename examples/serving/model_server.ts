/**
 * A small model server for the example model (examples/serving/model.ts) that speaks
 * MLflow's scoring protocol, so the portal's serving router, `curl` and MLflow clients
 * talk to it as to `mlflow models serve`:
 *
 *   GET  /ping, /health   200 once the model is loaded
 *   GET  /version         the server's version
 *   POST /invocations     application/json with one of dataframe_split, dataframe_records,
 *                         instances, inputs; or text/csv with a header line.
 *                         Answers {"predictions": [...]}: the positive class's probability.
 *
 * Errors as MLflow's scoring server answers them: 400 `{"error_code": "BAD_REQUEST",
 * "message": ...}` for input it cannot read, 415 for other content types, 413 for a body
 * over 10 MB.
 *
 *   node examples/serving/model_server.ts --model-dir ./model --port 8080
 *
 * Test and demo flags, to watch the portal's canary analysis catch a bad version:
 *   --fail-rate <0..1>        that fraction of /invocations requests answers 500
 *   --added-latency-ms <n>    every /invocations request waits n ms first
 *
 * Runs on Node 22.18+/24 (type stripping); node: built-ins only.
 */

import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import {
  loadModel,
  type LogisticModel,
  parseCsvInput,
  parseJsonInput,
  predict,
  ScoringInputError,
} from './model.ts';

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const VERSION = '1.0.0';

type Options = {
  modelDir: string;
  host: string;
  port: number;
  failRate: number;
  addedLatencyMs: number;
};

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const modelDir = get('model-dir') ?? process.env.MODEL_DIR;
  if (!modelDir) throw new Error('--model-dir is required');
  const port = Number(get('port') ?? process.env.PORT ?? '8080');
  const failRate = Number(get('fail-rate') ?? '0');
  const addedLatencyMs = Number(get('added-latency-ms') ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: not a port`);
  if (!(failRate >= 0 && failRate <= 1))
    throw new Error('--fail-rate must be between 0 and 1');
  if (!(addedLatencyMs >= 0))
    throw new Error('--added-latency-ms must be 0 or more');
  return {
    modelDir,
    host: get('host') ?? '127.0.0.1',
    port,
    failRate,
    addedLatencyMs,
  };
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * The request body, refused with 413 once it is over the limit. The rest of a refused
 * body is read and dropped, so the client, still sending, gets the 413 rather than a
 * reset connection; past twice the limit the connection is cut.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = () => {
      refused = true;
      chunks.length = 0;
      reject(
        new HttpError(
          413,
          'BAD_REQUEST',
          `Request body over ${MAX_BODY_BYTES} bytes`,
        ),
      );
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) refuse();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > 2 * MAX_BODY_BYTES) req.destroy();
      } else if (size > MAX_BODY_BYTES) {
        refuse();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

async function invocations(
  model: LogisticModel,
  req: IncomingMessage,
): Promise<number[]> {
  const type = (req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (type !== 'application/json' && type !== 'text/csv') {
    throw new HttpError(
      415,
      'BAD_REQUEST',
      `This predictor only supports the following content types: Types: ['text/csv'], JSON formats: ['application/json']. Got '${type}'.`,
    );
  }
  const text = await readBody(req);
  if (type === 'text/csv') return predict(model, parseCsvInput(model, text));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ScoringInputError(
      `Invalid input. Ensure the input is a valid JSON: ${
        (error as Error).message
      }`,
    );
  }
  return predict(model, parseJsonInput(model, body));
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const model = loadModel(options.modelDir);
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'GET' && (path === '/ping' || path === '/health')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('\n');
        return;
      }
      if (req.method === 'GET' && path === '/version') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(VERSION);
        return;
      }
      if (req.method !== 'POST' || path !== '/invocations') {
        throw new HttpError(
          404,
          'ENDPOINT_NOT_FOUND',
          `No route for ${req.method} ${path}`,
        );
      }
      if (options.addedLatencyMs > 0) {
        await new Promise(resolve =>
          setTimeout(resolve, options.addedLatencyMs),
        );
      }
      if (options.failRate > 0 && Math.random() < options.failRate) {
        // Drain the body so the client sees the 500, not a reset connection.
        req.resume();
        throw new HttpError(
          500,
          'INTERNAL_ERROR',
          'Injected failure (--fail-rate)',
        );
      }
      send(res, 200, { predictions: await invocations(model, req) });
    } catch (error) {
      if (error instanceof HttpError) {
        send(res, error.status, {
          error_code: error.code,
          message: error.message,
        });
      } else if (error instanceof ScoringInputError) {
        send(res, 400, { error_code: 'BAD_REQUEST', message: error.message });
      } else {
        process.stderr.write(`invocation failed: ${(error as Error).stack}\n`);
        send(res, 500, {
          error_code: 'INTERNAL_ERROR',
          message: (error as Error).message,
        });
      }
    }
  });
  server.listen(options.port, options.host, () => {
    const address = server.address();
    const port =
      typeof address === 'object' && address ? address.port : options.port;
    process.stdout.write(
      `model server listening on http://${options.host}:${port} ` +
        `(${model.featureNames.length} features from ${options.modelDir}` +
        `${options.failRate ? `, fail rate ${options.failRate}` : ''}` +
        `${
          options.addedLatencyMs
            ? `, added latency ${options.addedLatencyMs} ms`
            : ''
        })\n`,
    );
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

try {
  main();
} catch (error) {
  process.stderr.write(
    `model server failed to start: ${(error as Error).message}\n`,
  );
  process.exit(1);
}
