import express, { Request } from 'express';
import Router from 'express-promise-router';
import { InputError } from '@backstage/errors';
import { Caller } from '../shared/caller';
import { JobSubmission } from './JobSubmission';
import { TrainingService } from './TrainingService';
import { jsonBody } from '../shared/jsonBody';

/**
 * The training API under `/api/ml/training`: submit, list, explain, cancel, logs. Every
 * job route acts for the caller: the training service checks `ml.job.*` on each job.
 *
 * @internal
 */
export function createTrainingRouter(options: {
  training: TrainingService;
  submission: Pick<JobSubmission, 'submit'>;
  resolveCaller: (req: Request) => Promise<Caller>;
}): express.Router {
  const { training, submission, resolveCaller } = options;
  const router = Router();
  router.use('/training', jsonBody({ limit: '256kb' }));

  router.get('/training/pools', async (_req, res) => {
    res.json({ items: await training.listPools() });
  });

  router.get('/training/profiles', async (_req, res) => {
    res.json({ items: training.listProfiles() });
  });

  router.get('/training/jobs', async (req, res) => {
    const owner =
      typeof req.query.owner === 'string' ? req.query.owner : undefined;
    const status =
      typeof req.query.status === 'string' ? req.query.status : undefined;
    res.json({
      items: await training.listJobs(await resolveCaller(req), {
        owner,
        status,
      }),
    });
  });

  router.post('/training/jobs', async (req, res) => {
    res
      .status(201)
      .json(await submission.submit(await resolveCaller(req), req.body));
  });

  router.get('/training/jobs/:jobId', async (req, res) => {
    res.json(await training.getJob(await resolveCaller(req), req.params.jobId));
  });

  router.post('/training/jobs/:jobId/cancel', async (req, res) => {
    res.json(await training.cancel(await resolveCaller(req), req.params.jobId));
  });

  router.get('/training/jobs/:jobId/logs', async (req, res) => {
    const tailLines = Number(req.query.tailLines ?? 500);
    if (
      !Number.isSafeInteger(tailLines) ||
      tailLines < 1 ||
      tailLines > 10000
    ) {
      throw new InputError('tailLines must be an integer between 1 and 10000');
    }
    res.json({
      text: await training.logs(
        await resolveCaller(req),
        req.params.jobId,
        tailLines,
      ),
    });
  });

  // Where the job's target can simulate a spot reclaim (the local one), for demos and
  // resume tests.
  router.post('/training/jobs/:jobId/preempt', async (req, res) => {
    await training.simulatePreemption(
      await resolveCaller(req),
      req.params.jobId,
    );
    res.status(202).json({});
  });

  return router;
}
