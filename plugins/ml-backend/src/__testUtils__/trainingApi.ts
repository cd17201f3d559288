import { Server } from 'node:http';
import request from 'supertest';
import { waitFor } from './waitFor';

/**
 * The training API of a test portal as one user calls it: `auth` is their Authorization
 * header (the portal's default credentials without it).
 */
export function trainingApi(server: Server, auth?: string) {
  const send = (req: request.Test) =>
    auth ? req.set('Authorization', auth) : req;
  const job = async (jobId: string) =>
    (await send(request(server).get(`/api/ml/training/jobs/${jobId}`))).body;
  return {
    /** Submits a one-GPU job on `pool`; resolves to its id, failing on any other answer than 201. */
    async submit(
      spec: { name: string; pool: string } & Record<string, unknown>,
    ) {
      const created = await send(
        request(server).post('/api/ml/training/jobs'),
      ).send({ command: ['train'], resources: { gpus: 1 }, ...spec });
      if (created.status !== 201) {
        throw new Error(
          `Submitting ${spec.name} answered ${created.status}: ${JSON.stringify(
            created.body,
          )}`,
        );
      }
      return created.body.jobId as string;
    },
    job,
    /** The job once `done` holds for it (its status, attempts, events). */
    waitForJob: (jobId: string, done: (job: any) => boolean) =>
      waitFor(`job ${jobId}'s awaited state`, () => job(jobId), done),
  };
}
