import { Server } from 'node:http';
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';

/**
 * Requests to the portal API (`/api/ml…`) as a signed-in user, with the mock token
 * Backstage's test backend accepts for them.
 */
export function userRequests(server: Server, user: string) {
  const auth = mockCredentials.user.header(user);
  const call = (
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: string,
  ) => request(server)[method](`/api/ml${path}`).set('Authorization', auth);
  return {
    get: (path: string) => call('get', path),
    post: (path: string, body: object = {}) => call('post', path).send(body),
    delete: (path: string) => call('delete', path),
    putJson: (path: string, body: object) => call('put', path).send(body),
    /** A file upload, e.g. an artifact through the MLflow artifact API. */
    put: (path: string, body: Buffer) =>
      call('put', path)
        .set('Content-Type', 'application/octet-stream')
        .send(body),
    /** The MLflow REST API under `/api/ml/mlflow/api/2.0/mlflow/`. */
    mlflow: (
      endpoint: string,
      body: object,
      method: 'post' | 'patch' | 'delete' = 'post',
    ) => call(method, `/mlflow/api/2.0/mlflow/${endpoint}`).send(body),
  };
}
