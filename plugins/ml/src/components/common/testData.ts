import { ResponseError } from '@backstage/errors';

/** The error the API client throws for a 400 answer with this message. @internal */
export function badRequest(message: string): Promise<ResponseError> {
  return ResponseError.fromResponse({
    ok: false,
    status: 400,
    statusText: 'Bad Request',
    url: 'http://localhost:7007/api/ml/runs/search',
    headers: new Headers({ 'content-type': 'application/json' }),
    redirected: false,
    type: 'basic',
    text: async () =>
      JSON.stringify({
        error: { name: 'InputError', message },
        request: { method: 'POST', url: '/api/ml/runs/search' },
        response: { statusCode: 400 },
      }),
  });
}
