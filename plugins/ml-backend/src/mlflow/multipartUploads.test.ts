import request from 'supertest';
import { startPortal } from '../__testUtils__/portal';

const MLFLOW = '/api/ml/mlflow/api/2.0/mlflow';
const ARTIFACTS = '/api/ml/mlflow/api/2.0/mlflow-artifacts';

type Credential = {
  url: string;
  part_number: number;
  headers: Record<string, string>;
};

/**
 * Multipart upload of proxied artifacts as MLflow's HttpArtifactRepository drives it:
 * create, PUT each part to its credential's URL with only the credential's headers (as
 * to a presigned URL), complete with the parts' ETags, or abort.
 */
describe('MLflow multipart upload of proxied artifacts', () => {
  async function setUp() {
    const { server } = await startPortal();
    const experimentId = (
      await request(server)
        .post(`${MLFLOW}/experiments/create`)
        .send({ name: 'checkpoints' })
    ).body.experiment_id;
    const runId = (
      await request(server)
        .post(`${MLFLOW}/runs/create`)
        .send({ experiment_id: experimentId })
    ).body.run.info.run_id;
    const path = `${experimentId}/${runId}/artifacts/checkpoints/model.bin`;
    const create = async (numParts: number) => {
      const res = await request(server)
        .post(`${ARTIFACTS}/mpu/create/${path}`)
        .send({ path: 'model.bin', num_parts: numParts })
        .expect(200);
      return res.body as { upload_id: string; credentials: Credential[] };
    };
    const putPart = (credential: Credential, body: string) =>
      fetch(credential.url, {
        method: 'PUT',
        headers: credential.headers,
        body,
      });
    return { server, experimentId, path, create, putPart };
  }

  it('joins the parts, in order, into the file', async () => {
    const { server, experimentId, path, create, putPart } = await setUp();
    const upload = await create(3);
    expect(upload.upload_id).toMatch(/^[0-9a-f]{32}$/);
    expect(upload.credentials.map(c => c.part_number)).toEqual([1, 2, 3]);

    const contents = ['first part|', 'second part|', 'third'];
    // Parts arrive in any order, as the client's thread pool sends them.
    const etags = new Map<number, string>();
    for (const i of [2, 0, 1]) {
      const response = await putPart(upload.credentials[i], contents[i]);
      expect(response.status).toBe(200);
      etags.set(i + 1, response.headers.get('etag')!);
    }
    await request(server)
      .post(`${ARTIFACTS}/mpu/complete/${path}`)
      .send({
        path: 'model.bin',
        upload_id: upload.upload_id,
        parts: [1, 2, 3].map(n => ({
          part_number: n,
          etag: etags.get(n),
          url: upload.credentials[n - 1].url,
        })),
      })
      .expect(200, {});

    const file = await request(server)
      .get(`${ARTIFACTS}/artifacts/${path}`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', chunk => (text += chunk));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    expect(file.body).toBe(contents.join(''));
    // The parts are gone once joined.
    const listing = await request(server)
      .get(`${ARTIFACTS}/artifacts?path=${experimentId}`)
      .expect(200);
    expect(
      listing.body.files.map((f: { path: string }) => f.path),
    ).not.toContain('.multipart');
  });

  it('refuses a wrong token, a wrong ETag, and an aborted upload', async () => {
    const { server, path, create, putPart } = await setUp();
    const upload = await create(1);
    const [credential] = upload.credentials;

    const forged = await putPart(
      { ...credential, headers: { 'x-mlflow-upload-token': 'guess' } },
      'x',
    );
    expect(forged.status).toBe(403);
    expect((await forged.json()).error_code).toBe('PERMISSION_DENIED');

    expect((await putPart(credential, 'data')).status).toBe(200);
    const complete = (etag: string) =>
      request(server)
        .post(`${ARTIFACTS}/mpu/complete/${path}`)
        .send({
          upload_id: upload.upload_id,
          parts: [{ part_number: 1, etag }],
        });
    const wrong = await complete('"0000"');
    expect(wrong.status).toBe(400);
    expect(wrong.body.error_code).toBe('INVALID_PARAMETER_VALUE');

    await request(server)
      .post(`${ARTIFACTS}/mpu/abort/${path}`)
      .send({ upload_id: upload.upload_id })
      .expect(200, {});
    const gone = await complete('"x"');
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    await request(server).get(`${ARTIFACTS}/artifacts/${path}`).expect(404);
  });
});
