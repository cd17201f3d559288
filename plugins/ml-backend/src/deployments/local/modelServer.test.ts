import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, writeTestModel } from './__testUtils__/testModel';

/**
 * The example model server (examples/serving/model_server.ts) and batch scorer
 * (examples/serving/batch_score.ts), run as the local serving target runs them: real
 * processes of this Node, on a model directory written here.
 */

const run = promisify(execFile);

jest.setTimeout(60_000);

/** p = sigmoid(-1 + 2a + b) */
const testModel = () =>
  writeTestModel({
    featureNames: ['a', 'b'],
    coefficients: [2, 1],
    intercept: -1,
  });

/** Starts the server on a port of the kernel's choice, read from its first log line. */
async function startServer(modelDir: string, ...flags: string[]) {
  const child = spawn(
    process.execPath,
    [
      'examples/serving/model_server.ts',
      '--model-dir',
      modelDir,
      '--port',
      '0',
      ...flags,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const port = await new Promise<number>((resolvePort, reject) => {
    child.stdout!.on('data', chunk => {
      output += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolvePort(Number(match[1]));
    });
    child.stderr!.on('data', chunk => (output += chunk));
    child.once('exit', code =>
      reject(new Error(`server exited with ${code}: ${output}`)),
    );
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function post(
  url: string,
  body: string | Buffer | ReadableStream<Uint8Array>,
  contentType: string,
) {
  const response = await fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
    // A stream goes chunked, without a content-length.
    ...(body instanceof ReadableStream && { duplex: 'half' }),
  } as RequestInit);
  return { status: response.status, body: await response.json() };
}

describe('examples/serving/model_server.ts', () => {
  let modelDir: string;
  let expected: (a: number, b: number) => number;
  let server: { child: ChildProcess; url: string };

  beforeAll(async () => {
    ({ dir: modelDir, probability: expected } = await testModel());
    server = await startServer(modelDir);
  });

  afterAll(async () => {
    server.child.kill('SIGTERM');
    if (server.child.exitCode === null) await once(server.child, 'exit');
    await rm(modelDir, { recursive: true, force: true });
  });

  it('answers /ping and /health with 200, and 404 on other routes', async () => {
    for (const path of ['/ping', '/health']) {
      expect((await fetch(`${server.url}${path}`)).status).toBe(200);
    }
    const other = await fetch(`${server.url}/predict`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({
      error_code: 'ENDPOINT_NOT_FOUND',
    });
  });

  it('scores CSV with a header in any column order', async () => {
    expect(
      await post(server.url, 'b,a\r\n1,0.5\r\n"-2",3\r\n', 'text/csv'),
    ).toEqual({
      status: 200,
      body: { predictions: [expected(0.5, 1), expected(3, -2)] },
    });
  });

  it('scores JSON with a charset in the content type', async () => {
    expect(
      await post(
        server.url,
        '{"instances": [[1, 1]]}',
        'application/json; charset=utf-8',
      ),
    ).toEqual({ status: 200, body: { predictions: [expected(1, 1)] } });
  });

  it.each([
    [
      'bad JSON',
      '{"instances": [[1, 1]',
      /^Invalid input. Ensure the input is a valid JSON/,
    ],
    [
      'an unknown shape',
      '{"rows": [[1, 1]]}',
      /exactly one of the input fields.*Received dictionary with input fields: \["rows"\]/,
    ],
    [
      'two shapes',
      '{"instances": [[1, 1]], "inputs": [[1, 1]]}',
      /exactly one of the input fields/,
    ],
    ['a JSON list', '[[1, 1]]', /must be a JSON object/],
    [
      'a missing column',
      '{"dataframe_records": [{"a": 1}]}',
      /Model is missing inputs \["b"\]/,
    ],
    [
      'a value that is not a number',
      '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"]]}}',
      /row 0, column b: expected a number, got "x"/,
    ],
    [
      'a row of the wrong width',
      '{"instances": [[1, 2, 3]]}',
      /row 0 has 3 values; the model expects 2/,
    ],
  ])('answers 400 BAD_REQUEST to %s', async (_, body, message) => {
    const answer = await post(server.url, body, 'application/json');
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('BAD_REQUEST');
    expect(answer.body.message).toMatch(message);
  });

  it('answers 400 to CSV without a needed column, 415 to other content types, 413 to bodies over 10 MB', async () => {
    const csv = await post(server.url, 'a\n1\n', 'text/csv');
    expect(csv).toEqual({
      status: 400,
      body: {
        error_code: 'BAD_REQUEST',
        message: 'Model is missing inputs ["b"] in row 0',
      },
    });
    expect(
      (await post(server.url, 'a=1', 'application/x-www-form-urlencoded'))
        .status,
    ).toBe(415);
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 'a');
    expect((await post(server.url, big, 'text/csv')).status).toBe(413);
    let sent = 0;
    const chunked = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 11) controller.close();
        else controller.enqueue(Buffer.alloc(1024 * 1024, sent++));
      },
    });
    expect(await post(server.url, chunked, 'text/csv')).toEqual({
      status: 413,
      body: {
        error_code: 'BAD_REQUEST',
        message: 'Request body over 10485760 bytes',
      },
    });
    // Still serving after refusing a body.
    expect((await post(server.url, 'a,b\n1,1\n', 'text/csv')).status).toBe(200);
  });

  it('adds the latency --added-latency-ms asks for', async () => {
    const slow = await startServer(modelDir, '--added-latency-ms', '300');
    try {
      const began = Date.now();
      expect(
        (await post(slow.url, '{"instances": [[1, 1]]}', 'application/json'))
          .status,
      ).toBe(200);
      expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    } finally {
      slow.child.kill('SIGTERM');
    }
  });

  it('exits 1 with a clear message when the model directory holds no model', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-model-'));
    try {
      await expect(
        run(
          process.execPath,
          [
            'examples/serving/model_server.ts',
            '--model-dir',
            empty,
            '--port',
            '0',
          ],
          {
            cwd: REPO_ROOT,
          },
        ),
      ).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(
          /^model server failed to start: ENOENT.*MLmodel/,
        ),
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('examples/serving/batch_score.ts', () => {
  let dir: string;
  let expected: (a: number, b: number) => number;

  beforeAll(async () => {
    ({ dir, probability: expected } = await testModel());
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const score = (input: string, output: string) =>
    run(
      process.execPath,
      [
        'examples/serving/batch_score.ts',
        '--model-dir',
        dir,
        '--input',
        input,
        '--output',
        output,
      ],
      { cwd: REPO_ROOT },
    );

  it('scores a CSV file, keeping its columns and adding prediction', async () => {
    await writeFile(join(dir, 'in.csv'), 'id,a,b\n"x,1",1,0\ny,0,2\n');
    const { stdout } = await score(join(dir, 'in.csv'), join(dir, 'out.csv'));
    expect(stdout).toBe('scored 2 rows\n');
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe(
      `id,a,b,prediction\n"x,1",1,0,${expected(1, 0)}\ny,0,2,${expected(
        0,
        2,
      )}\n`,
    );
  });

  it('scores a JSONL file, adding prediction to each record, and names the line of a bad record', async () => {
    await writeFile(
      join(dir, 'in.jsonl'),
      '{"a": 1, "b": 1, "id": 7}\n\n{"a": 0, "b": 0}\n',
    );
    await score(join(dir, 'in.jsonl'), join(dir, 'out.jsonl'));
    const lines = (await readFile(join(dir, 'out.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(lines.map(line => JSON.parse(line))).toEqual([
      { a: 1, b: 1, id: 7, prediction: expected(1, 1) },
      { a: 0, b: 0, prediction: expected(0, 0) },
    ]);

    await writeFile(join(dir, 'bad.jsonl'), '{"a": 1, "b": 1}\n{"a": 1}\n');
    await expect(
      score(join(dir, 'bad.jsonl'), join(dir, 'bad.out')),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        'bad.jsonl:2: Model is missing inputs ["b"]',
      ),
    });
  });
});
