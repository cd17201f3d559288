import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/databases';
import { startPortal } from '../__testUtils__/portal';
import { DatabaseCostStore } from '../cost/DatabaseCostStore';

const databases = createTestDatabases();

const MLFLOW = '/api/ml/mlflow/api/2.0/mlflow';
const ARTIFACTS = '/api/ml/mlflow/api/2.0/mlflow-artifacts/artifacts';
const MODEL_ID = /^m-[0-9a-f]{32}$/;

/**
 * MLflow 3's logged models over HTTP, with the JSON an MLflow 3 client sends and reads
 * (service.proto: CreateLoggedModel, FinalizeLoggedModel, GetLoggedModel,
 * SearchLoggedModels, SetLoggedModelTags, DeleteLoggedModelTag,
 * LogLoggedModelParamsRequest, DeleteLoggedModel, ListLoggedModelArtifacts, LogOutputs;
 * model_registry.proto's CreateModelVersion with `model_id`), as `mlflow.<flavor>.log_model`
 * and `mlflow.register_model` drive them.
 */
describe.each(databases.eachSupportedId())(
  'MLflow 3 logged models on %p',
  databaseId => {
    async function portal() {
      const database = await databases.init(databaseId);
      const { server } = await startPortal({ database });
      const call = (
        method: 'get' | 'post' | 'patch' | 'delete',
        path: string,
      ) => request(server)[method](`${MLFLOW}/${path}`);
      const experimentId: string = (
        await call('post', 'experiments/create').send({ name: 'mlflow3' })
      ).body.experiment_id;
      const runId: string = (
        await call('post', 'runs/create').send({
          experiment_id: experimentId,
          start_time: 1_000,
        })
      ).body.run.info.run_id;
      return { server, call, experimentId, runId, database };
    }

    it('logs a model from a run: create, upload, finalize, outputs, metrics, read back', async () => {
      const { server, call, experimentId, runId } = await portal();

      // CreateLoggedModel as Model.log sends it.
      const created = await call('post', 'logged-models').send({
        experiment_id: experimentId,
        name: 'model',
        model_type: 'Classifier',
        source_run_id: runId,
        params: [{ key: 'C', value: '1.0' }],
        tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }],
      });
      expect(created.status).toBe(200);
      const modelId: string = created.body.model.info.model_id;
      expect(modelId).toMatch(MODEL_ID);
      const artifactUri = `mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`;
      expect(created.body).toEqual({
        model: {
          info: {
            model_id: modelId,
            experiment_id: experimentId,
            name: 'model',
            creation_timestamp_ms: expect.any(Number),
            last_updated_timestamp_ms: expect.any(Number),
            artifact_uri: artifactUri,
            status: 'LOGGED_MODEL_PENDING',
            model_type: 'Classifier',
            source_run_id: runId,
            tags: [{ key: 'mlflow.source.type', value: 'LOCAL' }],
          },
          data: { params: [{ key: 'C', value: '1.0' }] },
        },
      });

      // The files go through the proxied artifact API, below the experiment.
      const filePath = `${experimentId}/models/${modelId}/artifacts/MLmodel`;
      await request(server)
        .put(`${ARTIFACTS}/${filePath}`)
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('flavors: {}\n'))
        .expect(200);
      const finalized = await call('patch', `logged-models/${modelId}`).send({
        model_id: modelId,
        status: 'LOGGED_MODEL_READY',
      });
      expect(finalized.status).toBe(200);
      expect(finalized.body.model.info.status).toBe('LOGGED_MODEL_READY');

      await call('post', 'runs/outputs')
        .send({ run_id: runId, models: [{ model_id: modelId, step: 3 }] })
        .expect(200, {});
      // A metric computed on a dataset for the model, by log-batch and by log-metric.
      await call('post', 'runs/log-batch')
        .send({
          run_id: runId,
          metrics: [
            {
              key: 'accuracy',
              value: 0.91,
              timestamp: 2_000,
              step: 3,
              model_id: modelId,
              dataset_name: 'eval',
              dataset_digest: 'd1',
            },
          ],
        })
        .expect(200);
      await call('post', 'runs/log-metric')
        .send({
          run_id: runId,
          key: 'loss',
          value: 'NaN',
          timestamp: 2_001,
          step: 3,
          model_id: modelId,
        })
        .expect(200);

      const got = await call('get', `logged-models/${modelId}`).expect(200);
      expect(got.body.model.data.metrics).toEqual([
        {
          key: 'accuracy',
          value: 0.91,
          timestamp: 2_000,
          step: 3,
          dataset_name: 'eval',
          dataset_digest: 'd1',
          model_id: modelId,
          run_id: runId,
        },
        {
          key: 'loss',
          value: 'NaN',
          timestamp: 2_001,
          step: 3,
          model_id: modelId,
          run_id: runId,
        },
      ]);
      // The model keeps the latest point per key and dataset (MLflow's order: step, then
      // timestamp); every point stays in the run's series.
      await call('post', 'runs/log-batch')
        .send({
          run_id: runId,
          metrics: [2, 4, 1].map(step => ({
            key: 'accuracy',
            value: step / 10,
            timestamp: 3_000,
            step,
            model_id: modelId,
            dataset_name: 'eval',
            dataset_digest: 'd1',
          })),
        })
        .expect(200);
      const accuracy = async () =>
        (
          await call('get', `logged-models/${modelId}`).expect(200)
        ).body.model.data.metrics.filter((m: any) => m.key === 'accuracy');
      expect(await accuracy()).toEqual([
        expect.objectContaining({ value: 0.4, step: 4, timestamp: 3_000 }),
      ]);
      await call('post', 'runs/log-metric')
        .send({
          run_id: runId,
          key: 'accuracy',
          value: 0.99,
          timestamp: 9_000,
          step: 3,
          model_id: modelId,
          dataset_name: 'eval',
          dataset_digest: 'd1',
        })
        .expect(200);
      expect(await accuracy()).toEqual([
        expect.objectContaining({ value: 0.4, step: 4 }),
      ]);
      const history = await call(
        'get',
        `metrics/get-history?run_id=${runId}&metric_key=accuracy`,
      ).expect(200);
      expect(history.body.metrics.map((m: any) => m.step)).toEqual([
        1, 2, 3, 3, 4,
      ]);

      // An evaluation run reads the model (log-inputs' `models`).
      await call('post', 'runs/log-inputs')
        .send({ run_id: runId, models: [{ model_id: modelId }] })
        .expect(200, {});
      // The run keeps its own metrics and names the model among its outputs.
      const run = await call('get', `runs/get?run_id=${runId}`).expect(200);
      expect(run.body.run.outputs).toEqual({
        model_outputs: [{ model_id: modelId, step: 3 }],
      });
      expect(run.body.run.inputs).toEqual({
        dataset_inputs: [],
        model_inputs: [{ model_id: modelId }],
      });
      expect(run.body.run.data.metrics.map((m: any) => m.key).sort()).toEqual([
        'accuracy',
        'loss',
      ]);

      // The portal's run page reads the run's models with their metrics.
      const portalModels = await request(server)
        .get(`/api/ml/runs/${runId}/logged-models`)
        .expect(200);
      expect(portalModels.body.items).toEqual([
        expect.objectContaining({
          modelId,
          name: 'model',
          status: 'LOGGED_MODEL_READY',
          sourceRunId: runId,
          step: 3,
          params: [{ key: 'C', value: '1.0' }],
          metrics: [
            expect.objectContaining({ key: 'accuracy', datasetName: 'eval' }),
            expect.objectContaining({ key: 'loss', value: 'NaN' }),
          ],
        }),
      ]);

      // ListLoggedModelArtifacts, and the file itself.
      const listed = await call(
        'get',
        `logged-models/${modelId}/artifacts/directories`,
      ).expect(200);
      expect(listed.body).toEqual({
        root_uri: artifactUri,
        files: [{ path: 'MLmodel', is_dir: false, file_size: 12 }],
      });
      const file = await call(
        'get',
        `logged-models/${modelId}/artifacts/files?artifact_file_path=MLmodel`,
      ).expect(200);
      expect(file.text).toBe('flavors: {}\n');
    });

    it('searches by filter, datasets and order, a page at a time; tags, params, delete', async () => {
      const { call, experimentId, runId } = await portal();
      const ids: string[] = [];
      for (const [i, accuracy] of [0.7, 0.9, 0.8].entries()) {
        const { body } = await call('post', 'logged-models')
          .send({
            experiment_id: experimentId,
            name: `m${i}`,
            source_run_id: runId,
          })
          .expect(200);
        ids.push(body.model.info.model_id);
        await call('post', 'runs/log-batch')
          .send({
            run_id: runId,
            metrics: [
              {
                key: 'accuracy',
                value: accuracy,
                timestamp: 1,
                step: 0,
                model_id: body.model.info.model_id,
                dataset_name: 'eval',
              },
              // On another dataset the order is the other way round.
              {
                key: 'accuracy',
                value: 1 - accuracy,
                timestamp: 1,
                step: 0,
                model_id: body.model.info.model_id,
                dataset_name: 'train',
              },
            ],
          })
          .expect(200);
      }
      const search = (body: object) =>
        call('post', 'logged-models/search').send({
          experiment_ids: [experimentId],
          ...body,
        });
      const names = (res: request.Response) =>
        res.body.models.map((m: any) => m.info.name);

      // Default order: newest first.
      expect(names(await search({}).expect(200))).toEqual(['m2', 'm1', 'm0']);
      // What MLflow 3's client asks when it resolves runs:/<run>/<name>.
      expect(
        names(
          await search({
            filter: `name = 'm1' AND source_run_id = '${runId}'`,
          }).expect(200),
        ),
      ).toEqual(['m1']);
      expect(
        names(
          await search({
            filter: 'metrics.accuracy > 0.75',
            datasets: [{ dataset_name: 'eval' }],
            order_by: [{ field_name: 'metrics.accuracy', ascending: false }],
          }).expect(200),
        ),
      ).toEqual(['m1', 'm2']);
      expect(
        names(
          await search({
            order_by: [
              {
                field_name: 'metrics.accuracy',
                ascending: true,
                dataset_name: 'train',
              },
            ],
          }).expect(200),
        ),
      ).toEqual(['m1', 'm2', 'm0']);

      // Paging: max_results per page, every model once.
      const first = await search({ max_results: 2 }).expect(200);
      expect(names(first)).toEqual(['m2', 'm1']);
      expect(first.body.next_page_token).toEqual(expect.any(String));
      const second = await search({
        max_results: 2,
        page_token: first.body.next_page_token,
      }).expect(200);
      expect(names(second)).toEqual(['m0']);
      expect(second.body.next_page_token).toBeUndefined();

      // Tags: set (PATCH .../tags), filter on them, delete one (DELETE .../tags/{key}).
      const tagged = await call('patch', `logged-models/${ids[0]}/tags`)
        .send({ tags: [{ key: 'stage', value: 'candidate' }] })
        .expect(200);
      expect(tagged.body.model.info.tags).toEqual([
        { key: 'stage', value: 'candidate' },
      ]);
      expect(
        names(await search({ filter: "tags.stage = 'candidate'" }).expect(200)),
      ).toEqual(['m0']);
      await call('delete', `logged-models/${ids[0]}/tags/stage`).expect(
        200,
        {},
      );
      const missingTag = await call(
        'delete',
        `logged-models/${ids[0]}/tags/stage`,
      );
      expect(missingTag.status).toBe(404);
      expect(missingTag.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');

      // Params are immutable, as a run's are.
      await call('post', `logged-models/${ids[1]}/params`)
        .send({ params: [{ key: 'alpha', value: '0.1' }] })
        .expect(200, {});
      const changed = await call('post', `logged-models/${ids[1]}/params`).send(
        {
          params: [{ key: 'alpha', value: '0.2' }],
        },
      );
      expect(changed.status).toBe(400);
      expect(changed.body.error_code).toBe('INVALID_PARAMETER_VALUE');

      // Deleted models are gone from reads and search.
      await call('delete', `logged-models/${ids[2]}`).expect(200, {});
      const gone = await call('get', `logged-models/${ids[2]}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: `Logged model with ID '${ids[2]}' not found.`,
      });
      expect(names(await search({}).expect(200))).toEqual(['m1', 'm0']);
    });

    it("answers MLflow's codes for bad requests", async () => {
      const { call, experimentId } = await portal();
      const { body } = await call('post', 'logged-models')
        .send({ experiment_id: experimentId })
        .expect(200);
      // A generated name, as MLflow gives.
      expect(body.model.info.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
      const modelId = body.model.info.model_id;

      const cases: Array<[request.Test, number, string]> = [
        [
          call('post', 'logged-models').send({}),
          400,
          'INVALID_PARAMETER_VALUE',
        ],
        [
          call('post', 'logged-models').send({ experiment_id: '9999' }),
          404,
          'RESOURCE_DOES_NOT_EXIST',
        ],
        [
          call('post', 'logged-models').send({
            experiment_id: experimentId,
            name: 'a/b',
          }),
          400,
          'INVALID_PARAMETER_VALUE',
        ],
        [
          call('patch', `logged-models/${modelId}`).send({
            status: 'LOGGED_MODEL_PENDING',
          }),
          400,
          'INVALID_PARAMETER_VALUE',
        ],
        [
          call('get', `logged-models/m-${'0'.repeat(32)}`),
          404,
          'RESOURCE_DOES_NOT_EXIST',
        ],
        [
          call('post', 'logged-models/search').send({
            experiment_ids: [experimentId],
            filter: 'metrics.accuracy >',
          }),
          400,
          'INVALID_PARAMETER_VALUE',
        ],
        [
          call('post', 'logged-models/search').send({
            experiment_ids: [experimentId],
            order_by: [{ field_name: 'colour' }],
          }),
          400,
          'INVALID_PARAMETER_VALUE',
        ],
        [
          call('post', 'runs/outputs').send({
            run_id: 'nope',
            models: [{ model_id: modelId, step: 0 }],
          }),
          404,
          'RESOURCE_DOES_NOT_EXIST',
        ],
      ];
      for (const [response, status, code] of cases) {
        const res = await response;
        expect({ status: res.status, code: res.body.error_code }).toEqual({
          status,
          code,
        });
      }
      // Finalize takes the enum's number as protobuf JSON allows.
      const failed = await call('patch', `logged-models/${modelId}`)
        .send({ status: 3 })
        .expect(200);
      expect(failed.body.model.info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
    });

    it('prices a logged model: the GPU time of the run that logged it', async () => {
      const { server, call, experimentId, runId, database } = await portal();
      const { body } = await call('post', 'logged-models')
        .send({
          experiment_id: experimentId,
          name: 'clf',
          source_run_id: runId,
        })
        .expect(200);
      const modelId: string = body.model.info.model_id;
      const costOf = () =>
        request(server).get(`/api/ml/cost/logged-models/${modelId}`);
      expect((await costOf()).body).toEqual({
        modelId,
        name: 'clf',
        trainingMicros: 0,
        runs: [],
        partial: false,
      });
      // The run trained for an hour on a GPU, as training's metering records it.
      await database.transaction(tx =>
        DatabaseCostStore.create({ knex: database }).insertUsage(tx, [
          {
            source: 'training',
            day: '2026-11-01',
            month: '2026-11',
            startMs: Date.parse('2026-11-01T00:00:00Z'),
            endMs: Date.parse('2026-11-01T01:00:00Z'),
            gpuSeconds: 3600,
            costMicros: 4_000_000,
            listCostMicros: 4_000_000,
            team: 'group:default/ml-platform',
            pool: 'a100',
            gpuType: 'A100-80GB',
            gpus: 1,
            spot: false,
            runId,
          },
        ]),
      );
      expect((await costOf()).body).toMatchObject({
        trainingMicros: 4_000_000,
        runs: [{ runId, costMicros: 4_000_000 }],
      });
      const missing = await request(server).get(
        `/api/ml/cost/logged-models/m-${'0'.repeat(32)}`,
      );
      expect(missing.status).toBe(404);
    });

    it('registers versions of logged models: models:/<model_id>, and runs:/<run>/<name> the MLflow 3 way', async () => {
      const { server, call, experimentId, runId } = await portal();
      const { body } = await call('post', 'logged-models')
        .send({
          experiment_id: experimentId,
          name: 'clf',
          source_run_id: runId,
        })
        .expect(200);
      const modelId: string = body.model.info.model_id;
      await call('post', 'registered-models/create')
        .send({ name: 'churn' })
        .expect(200);

      // mlflow.register_model('models:/<model_id>', ...) sends the id along.
      const v1 = await call('post', 'model-versions/create')
        .send({
          name: 'churn',
          source: `models:/${modelId}`,
          model_id: modelId,
        })
        .expect(200);
      expect(v1.body.model_version).toMatchObject({
        version: '1',
        source: `models:/${modelId}`,
        run_id: runId,
        model_id: modelId,
      });
      // The version page shows the logged model's metrics over the run's.
      await call('post', 'runs/log-batch')
        .send({
          run_id: runId,
          metrics: [
            { key: 'auc', value: 0.5, timestamp: 1, step: 0 },
            { key: 'f1', value: 0.4, timestamp: 1, step: 0 },
            {
              key: 'auc',
              value: 0.3,
              timestamp: 1,
              step: 0,
              model_id: modelId,
            },
          ],
        })
        .expect(200);
      const details = await request(server)
        .get('/api/ml/models/churn/versions/1')
        .expect(200);
      expect(details.body).toMatchObject({
        modelId,
        runId,
        // The run's latest auc is 0.5 (the higher of one step and time).
        metrics: { auc: 0.3, f1: 0.4 },
      });
      const uri = await call(
        'get',
        'model-versions/get-download-uri?name=churn&version=1',
      ).expect(200);
      expect(uri.body.artifact_uri).toBe(
        `mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`,
      );
      // Lineage: run → logged model → version (and run → version).
      const lineage = await request(server)
        .get(
          `/api/ml/lineage?kind=model_version&id=${details.body.id}&direction=upstream`,
        )
        .expect(200);
      expect(lineage.body.nodes).toContainEqual(
        expect.objectContaining({
          kind: 'logged_model',
          id: modelId,
          label: 'clf',
          path: `experiments/${experimentId}/runs/${runId}`,
        }),
      );
      expect(lineage.body.edges).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            from: `run:${runId}`,
            to: `logged_model:${modelId}`,
            relation: 'produced',
          }),
          expect.objectContaining({
            from: `logged_model:${modelId}`,
            relation: 'registered_as',
          }),
        ]),
      );

      // runs:/<run>/clf names the run's logged model, whose files are not the run's.
      const v2 = await call('post', 'model-versions/create')
        .send({ name: 'churn', source: `runs:/${runId}/clf` })
        .expect(200);
      expect(v2.body.model_version).toMatchObject({
        source: `models:/${modelId}`,
        run_id: runId,
        model_id: modelId,
      });

      // An MLflow 2 model in the run's own artifacts stays what it was.
      await request(server)
        .put(`${ARTIFACTS}/${experimentId}/${runId}/artifacts/clf/MLmodel`)
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('flavors: {}\n'))
        .expect(200);
      const v3 = await call('post', 'model-versions/create')
        .send({ name: 'churn', source: `runs:/${runId}/clf` })
        .expect(200);
      expect(v3.body.model_version.source).toBe(
        `mlflow-artifacts:/${experimentId}/${runId}/artifacts/clf`,
      );
      expect(v3.body.model_version.model_id).toBeUndefined();

      // A source outside the model's files, and a model that is not there.
      const outside = await call('post', 'model-versions/create').send({
        name: 'churn',
        source: 's3://elsewhere/model',
        model_id: modelId,
      });
      expect(outside.status).toBe(400);
      expect(outside.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      const unknown = await call('post', 'model-versions/create').send({
        name: 'churn',
        source: `models:/m-${'f'.repeat(32)}`,
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });
  },
);
