import express from 'express';
import { JobSubmission } from './JobSubmission';
import { TrainingProfiles } from './TrainingProfiles';
import { TeamSettings } from './TeamSettings';
import { TrainingService } from './TrainingService';
import { CallerResolver, createPortalRouter } from '../schema/portalRouter';

/**
 * The training API under `/api/ml/training`: submit, list, explain, cancel, logs, the
 * profiles jobs are submitted on with their versions, and teams' quotas and secret
 * scopes (`ml.trainingQuota.update`, `ml.secretScope.update` to set them). Every job route acts for the
 * caller: the training service checks `ml.job.*` on each job, the profile service
 * `ml.trainingProfile.*` on changes.
 * The submission checks what the schema cannot: profiles, pools, the owner's groups,
 * secret scopes.
 *
 * @internal
 */
export function createTrainingRouter(options: {
  training: TrainingService;
  submission: Pick<JobSubmission, 'submit'>;
  profiles: TrainingProfiles;
  teamSettings: TeamSettings;
  resolveCaller: CallerResolver;
}): express.Router {
  const { training, submission, profiles, teamSettings, resolveCaller } =
    options;
  const router = createPortalRouter();

  router.get('/training/pools', async (_req, res) => {
    res.json({ items: await training.listPools() });
  });

  router.get('/training/profiles', async (_req, res) => {
    res.json({ items: await profiles.list() });
  });

  router.post('/training/profiles', async (req, res) => {
    res
      .status(201)
      .json(await profiles.create(await resolveCaller(req), req.body));
  });

  router.get('/training/profiles/:profile', async (req, res) => {
    res.json(await profiles.get(req.params.profile));
  });

  router.put('/training/profiles/:profile', async (req, res) => {
    res.json(
      await profiles.update(
        await resolveCaller(req),
        req.params.profile,
        req.body,
      ),
    );
  });

  router.get('/training/profiles/:profile/versions', async (req, res) => {
    res.json({ items: await profiles.versions(req.params.profile) });
  });

  router.get(
    '/training/profiles/:profile/versions/:version',
    async (req, res) => {
      res.json(
        await profiles.getVersion(req.params.profile, req.params.version),
      );
    },
  );

  router.get('/training/quotas', async (_req, res) => {
    res.json({ items: await teamSettings.listQuotas() });
  });

  router.get('/training/quotas/:team', async (req, res) => {
    res.json(await teamSettings.getQuotas(req.params.team));
  });

  router.put('/training/quotas/:team', async (req, res) => {
    res.json(
      await teamSettings.setQuotas(
        await resolveCaller(req),
        req.params.team,
        req.body,
      ),
    );
  });

  router.get('/training/secret-scopes/:team', async (req, res) => {
    res.json(
      await teamSettings.getSecretScopes(
        await resolveCaller(req),
        req.params.team,
      ),
    );
  });

  router.put('/training/secret-scopes/:team', async (req, res) => {
    res.json(
      await teamSettings.setSecretScopes(
        await resolveCaller(req),
        req.params.team,
        req.body,
      ),
    );
  });

  router.get('/training/jobs', async (req, res) => {
    res.json({
      items: await training.listJobs(await resolveCaller(req), req.query),
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
    res.json({
      text: await training.logs(
        await resolveCaller(req),
        req.params.jobId,
        req.query.tailLines!,
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
