import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/** @internal */
export type Json = Record<string, any>;

/** Throws an error the fake answers as the service's error `type`. @internal */
export const raise = (type: string, message: string): never => {
  throw Object.assign(new Error(message), { type });
};

/** The HTTP side every AWS JSON fake shares. @internal */
export type FakeAwsJsonServer = {
  endpoint: string;
  /** Every accepted request, in order, with its parsed body. */
  calls: Array<{ operation: string; body: Json; authorization?: string }>;
  /** Makes the next call of `operation` fail with this error. */
  failNext(operation: string, type: string, message: string): void;
  close(): Promise<void>;
};

/**
 * An HTTP server on 127.0.0.1 speaking the AWS JSON protocol (1.0 or 1.1) of one service,
 * for FAKES of AWS APIs in tests: POST `/` with `X-Amz-Target: <prefix><Operation>` and
 * the protocol's content type; errors as `x-amzn-errortype` and `{"__type", "message"}`,
 * with 500 for `internalError` and 400 for the others. A SigV4 `Authorization` header for
 * `signingName` is required but not verified.
 *
 * @internal
 */
export async function startFakeAwsJsonServer(options: {
  version: '1.0' | '1.1';
  targetPrefix: string;
  signingName: string;
  internalError: string;
  operations: Record<string, (body: Json) => Json>;
}): Promise<FakeAwsJsonServer> {
  const { targetPrefix, operations, internalError } = options;
  const contentType = `application/x-amz-json-${options.version}`;
  const sigv4 = new RegExp(
    `^AWS4-HMAC-SHA256 Credential=[^/]+/\\d{8}/[a-z0-9-]+/${options.signingName}/aws4_request`,
  );
  const calls: FakeAwsJsonServer['calls'] = [];
  const failures = new Map<string, [type: string, message: string]>();

  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const reply = (status: number, body: Json, headers: Json = {}) => {
      res.writeHead(status, { 'content-type': contentType, ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, type: string, message: string) =>
      reply(status, { __type: type, message }, { 'x-amzn-errortype': type });

    const target = String(req.headers['x-amz-target']);
    const operation = target.startsWith(targetPrefix)
      ? target.slice(targetPrefix.length)
      : '';
    const authorization = req.headers.authorization;
    if (
      req.method !== 'POST' ||
      req.url !== '/' ||
      req.headers['content-type'] !== contentType ||
      !operations[operation]
    ) {
      return fail(400, 'UnknownOperationException', `Unknown ${target}`);
    }
    if (!sigv4.test(authorization ?? '')) {
      return fail(403, 'MissingAuthenticationTokenException', 'Not signed');
    }
    const body = raw ? JSON.parse(raw) : {};
    calls.push({ operation, body, authorization });
    try {
      const failure = failures.get(operation);
      if (failure && failures.delete(operation)) raise(...failure);
      return reply(200, operations[operation](body));
    } catch (error) {
      const { type = internalError, message } = error as Json;
      return fail(type === internalError ? 500 : 400, type, message);
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    failNext(operation, type, message) {
      failures.set(operation, [type, message]);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}
