import { ResponseError } from '@backstage/errors';

/** The error the API client throws for an answer refusing with this status, error name and message. @internal */
export function refusal(answer: {
  status: number;
  statusText: string;
  name: string;
  message: string;
}): Promise<ResponseError> {
  const { status, statusText, name, message } = answer;
  return ResponseError.fromResponse({
    ok: false,
    status,
    statusText,
    url: 'http://localhost:7007/api/ml/runs/search',
    headers: new Headers({ 'content-type': 'application/json' }),
    redirected: false,
    type: 'basic',
    text: async () =>
      JSON.stringify({
        error: { name, message },
        request: { method: 'POST', url: '/api/ml/runs/search' },
        response: { statusCode: status },
      }),
  });
}

/** The error the API client throws for a 400 answer with this message. @internal */
export function badRequest(message: string): Promise<ResponseError> {
  return refusal({
    status: 400,
    statusText: 'Bad Request',
    name: 'InputError',
    message,
  });
}
