import http from 'node:http';
import { AddressInfo } from 'node:net';
import express from 'express';

/** Auth failures answer as the backend's router would; anything else is a 500. */
const AUTH_STATUS: Record<string, number> = {
  AuthenticationError: 401,
  NotAllowedError: 403,
};

/**
 * A listener of its own for scoring requests (`/serving/<endpoint>/invocations`),
 * beside the backend's: the same serving router and auth, without Backstage's
 * per-request middleware (request logging, helmet, CORS, compression) that costs a
 * near-free model several times its own time per request. Clients send the same
 * Backstage tokens.
 *
 * @internal
 */
export async function startServingListener(options: {
  router: express.Router;
  host: string;
  port: number;
}): Promise<{ port: number; close(): Promise<void> }> {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use('/serving', options.router);
  app.use((_req, res) => {
    res.status(404).json({
      error_code: 'ENDPOINT_NOT_FOUND',
      message: 'Scoring requests go to /serving/<endpoint>/invocations',
    });
  });
  // Errors as MLflow's scoring server answers them; never a stack trace.
  app.use(
    (
      error: Error & { statusCode?: number },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      const status = AUTH_STATUS[error.name] ?? 500;
      if (!res.headersSent) {
        res.status(status).json({
          error_code: status === 500 ? 'INTERNAL_ERROR' : 'PERMISSION_DENIED',
          message: status === 500 ? 'Internal error' : error.message,
        });
      }
    },
  );
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
