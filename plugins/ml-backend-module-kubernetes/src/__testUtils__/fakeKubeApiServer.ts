import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

type Obj = Record<string, any>;

const ROUTE =
  /^\/(?:apis\/batch\/v1|api\/v1)\/namespaces\/([^/]+)\/(jobs|pods)(?:\/([^/]+))?(\/log)?$/;
/** The serving target's resources: plain create/read/replace/delete/list, no controllers. */
const OBJECT_ROUTE =
  /^\/(?:apis\/serving\.kserve\.io\/v1beta1|apis\/apps\/v1|apis\/autoscaling\/v2|api\/v1)\/namespaces\/([^/]+)\/(inferenceservices|deployments|services|horizontalpodautoscalers)(?:\/([^/]+))?$/;
const KSERVE_DISCOVERY = '/apis/serving.kserve.io/v1beta1';
type Plural =
  | 'inferenceservices'
  | 'deployments'
  | 'services'
  | 'horizontalpodautoscalers';

/**
 * A FAKE Kubernetes API server for tests, not Kubernetes: the few REST paths the target
 * calls, in the real wire format (JSON, `Status` errors, bearer token), for the real
 * client. Jobs and Pods live in memory, in namespace `ml`. Helpers play scheduler,
 * kubelet and Job controller: a new Job gets a Pending pod; `exit` and `disrupt` apply
 * the Job's `podFailurePolicy` (first matching rule; `Ignore` makes a replacement pod;
 * no match fails the Job, as `backoffLimit: 0` does).
 *
 * For the serving target it also stores InferenceServices (when `kserve` is on, with
 * their discovery document), Deployments, Services and HPAs: create (409 when the name is
 * taken), read, list by one `key=value` label selector, replace (409 on a stale
 * `resourceVersion`; `metadata.generation` counts spec changes) and delete. No controller
 * runs: tests write `status` themselves.
 */
export class FakeKubeApiServer {
  /** Requests received: `method`, `path`, `query` (URLSearchParams), JSON `body`. */
  readonly requests: Obj[] = [];
  readonly jobs = new Map<string, Obj>();
  readonly pods = new Map<string, Obj>();
  /** Log text by pod name. */
  readonly logs = new Map<string, string>();
  /** Whether the cluster serves KServe's `InferenceService` API. */
  kserve = true;
  /** The serving target's resources by plural, then name. */
  readonly objects: Record<Plural, Map<string, Obj>> = {
    inferenceservices: new Map(),
    deployments: new Map(),
    services: new Map(),
    horizontalpodautoscalers: new Map(),
  };
  private resourceVersion = 100;
  private clock = Date.parse('2030-01-01T00:00:00Z');
  private readonly server = createServer((req, res) => this.handle(req, res));

  static async start(): Promise<FakeKubeApiServer> {
    const fake = new FakeKubeApiServer();
    await new Promise<void>(r => fake.server.listen(0, '127.0.0.1', r));
    return fake;
  }

  /** A kubeconfig for the real client, pointing at this fake. */
  kubeConfig(): KubeConfig {
    const { port } = this.server.address() as AddressInfo;
    const server = `http://127.0.0.1:${port}`;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'fake', user: 'u' }],
      currentContext: 'c',
    });
    return kc;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise(r => this.server.close(() => r()));
  }

  /** The pods of Job `v` (or with label `k` = `v`), oldest first. */
  podsOf(v: string, k = 'job-name'): Obj[] {
    return [...this.pods.values()].filter(p => p.metadata.labels[k] === v);
  }

  /** The latest pod of a Job. */
  pod = (job: string): Obj => this.podsOf(job).slice(-1)[0];

  /** The scheduler cannot place the Job's latest pod. */
  unschedulable(job: string, message: string) {
    const reason = 'Unschedulable';
    this.pod(job).status.conditions = [
      { type: 'PodScheduled', status: 'False', reason, message },
    ];
  }

  /** The latest pod starts on `nodeName`. */
  run(job: string, nodeName = 'gpu-node-1') {
    const pod = this.pod(job);
    const startedAt = this.tick();
    pod.spec.nodeName = nodeName;
    pod.status = { phase: 'Running', startTime: startedAt };
    const running = { startedAt };
    pod.status.containerStatuses = [{ name: 'train', state: { running } }];
    this.jobs.get(job)!.status = { active: 1, startTime: startedAt };
  }

  /** The training container exits. */
  exit(job: string, code: number, reason = code ? 'Error' : 'Completed') {
    this.terminate(job, code, reason);
  }

  /** The pod is evicted (`DisruptionTarget`: preemption, spot reclaim) and SIGTERM'd. */
  disrupt(job: string, reason = 'PreemptionByScheduler', message = '') {
    const condition = { type: 'DisruptionTarget', status: 'True' };
    this.pod(job).status.conditions = [{ ...condition, reason, message }];
    this.terminate(job, 143, 'Error');
  }

  /** `activeDeadlineSeconds` passed: the Job fails, its active pods are killed. */
  exceedDeadline(job: string) {
    this.pod(job).status.phase = 'Failed';
    this.finish(job, 'Failed', 'DeadlineExceeded', 'Job was active too long');
  }

  private tick = () => new Date((this.clock += 1000)).toISOString();

  private terminate(job: string, exitCode: number, reason: string) {
    const pod = this.pod(job);
    const terminated = { exitCode, reason, finishedAt: this.tick() };
    pod.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
    pod.status.containerStatuses = [{ name: 'train', state: { terminated } }];
    if (exitCode === 0) {
      this.finish(job, 'Complete');
      return;
    }
    const conditions: Obj[] = pod.status.conditions ?? [];
    const rules: Obj[] = this.jobs.get(job)!.spec.podFailurePolicy?.rules ?? [];
    const index = rules.findIndex(({ onPodConditions, onExitCodes: codes }) =>
      codes
        ? codes.containerName === 'train' &&
          codes.values.includes(exitCode) === (codes.operator === 'In')
        : onPodConditions.some((c: Obj) =>
            conditions.some(p => p.type === c.type && p.status === c.status),
          ),
    );
    const action = rules[index]?.action;
    if (action === 'Ignore') {
      this.createPod(this.jobs.get(job)!);
    } else if (action === 'FailJob') {
      const message = `Container train for pod ml/${pod.metadata.name} failed with exit code ${exitCode} matching FailJob rule at index ${index}`;
      this.finish(job, 'Failed', 'PodFailurePolicy', message);
    } else {
      this.finish(
        job,
        'Failed',
        'BackoffLimitExceeded',
        'Backoff limit reached',
      );
    }
  }

  private finish(job: string, type: string, reason?: string, message?: string) {
    const stored = this.jobs.get(job)!;
    const condition = { type, status: 'True', reason, message };
    stored.status = { ...stored.status, active: 0, conditions: [condition] };
    if (type === 'Complete') stored.status.completionTime = this.tick();
  }

  private createPod(job: Obj) {
    const { name: jobName, uid } = job.metadata;
    const name = `${jobName}-${randomUUID().slice(0, 5)}`;
    const metadata = { name, namespace: 'ml', creationTimestamp: this.tick() };
    const { labels: template } = job.spec.template.metadata;
    const labels = { ...template, 'job-name': jobName };
    const owner = { apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid };
    this.pods.set(name, {
      metadata: { ...metadata, labels, ownerReferences: [owner] },
      spec: structuredClone(job.spec.template.spec),
      status: { phase: 'Pending' },
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url!, 'http://fake');
    const text = Buffer.concat(await req.toArray()).toString();
    const body = text ? JSON.parse(text) : undefined;
    const { method = '' } = req;
    const query = url.searchParams;
    this.requests.push({ method, path: url.pathname, query, body });
    const send = (code: number, payload: Obj | string) => {
      const plain = typeof payload === 'string';
      const type = plain ? 'text/plain' : 'application/json';
      res.writeHead(code, { 'content-type': type });
      res.end(plain ? payload : JSON.stringify(payload));
    };
    const fail = (code: number, reason: string, message: string) =>
      send(code, { kind: 'Status', status: 'Failure', code, reason, message });
    if (req.headers.authorization !== 'Bearer t')
      return fail(401, 'Unauthorized', 'no bearer token');
    if (url.pathname === KSERVE_DISCOVERY && method === 'GET') {
      if (!this.kserve)
        return fail(
          404,
          'NotFound',
          'the server could not find the requested resource',
        );
      const resources = [
        {
          name: 'inferenceservices',
          namespaced: true,
          kind: 'InferenceService',
          verbs: ['create', 'get', 'list', 'update', 'delete'],
        },
      ];
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: 'serving.kserve.io/v1beta1',
        resources,
      });
    }
    const object = url.pathname.match(OBJECT_ROUTE);
    if (object)
      return this.handleObject(method, object, query, body, send, fail);
    const [, ns, kind, name, log] = url.pathname.match(ROUTE) ?? [];
    if (ns !== 'ml') return fail(404, 'NotFound', `fake: no ${url.pathname}`);
    const found = (kind === 'jobs' ? this.jobs : this.pods).get(name);
    const notFound = () => fail(404, 'NotFound', `${kind} "${name}" not found`);
    if (kind === 'jobs' && method === 'POST' && !name) {
      const jobName = body.metadata.name;
      if (this.jobs.has(jobName)) {
        const message = `jobs.batch "${jobName}" already exists`;
        return fail(409, 'AlreadyExists', message);
      }
      const metadata = { ...body.metadata, namespace: ns, uid: randomUUID() };
      const job = { ...body, metadata, status: {} };
      this.jobs.set(jobName, job);
      this.createPod(job);
      return send(201, job);
    } else if (kind === 'jobs' && method === 'GET' && name) {
      return found ? send(200, found) : notFound();
    } else if (kind === 'jobs' && method === 'DELETE' && name) {
      if (!found) return notFound();
      this.jobs.delete(name);
      // Garbage collection of the Job's pods, at once.
      this.podsOf(name).forEach(p => this.pods.delete(p.metadata.name));
      return send(200, found);
    } else if (kind === 'pods' && method === 'GET' && !name) {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const [key, value] = selector.split('=');
      return send(200, { kind: 'PodList', items: this.podsOf(value, key) });
    } else if (kind === 'pods' && method === 'GET' && log) {
      if (!found) return notFound();
      const lines = (this.logs.get(name) ?? '').split(/(?<=\n)/);
      const tail = Number(url.searchParams.get('tailLines') ?? lines.length);
      return send(200, lines.slice(-tail).join(''));
    }
    return fail(405, 'MethodNotAllowed', `fake: ${method} ${url.pathname}`);
  }

  private handleObject(
    method: string,
    [path, ns, plural, name]: RegExpMatchArray,
    query: URLSearchParams,
    body: Obj | undefined,
    send: (code: number, payload: Obj) => void,
    fail: (code: number, reason: string, message: string) => void,
  ) {
    const kind = plural as Plural;
    const store = this.objects[kind];
    if (ns !== 'ml' || (kind === 'inferenceservices' && !this.kserve))
      return fail(404, 'NotFound', `fake: no ${path}`);
    const found = name ? store.get(name) : undefined;
    const notFound = () => fail(404, 'NotFound', `${kind} "${name}" not found`);
    const resourceVersion = String((this.resourceVersion += 1));
    if (method === 'POST' && !name) {
      if (store.has(body!.metadata.name)) {
        const message = `${kind} "${body!.metadata.name}" already exists`;
        return fail(409, 'AlreadyExists', message);
      }
      const metadata = {
        ...body!.metadata,
        namespace: ns,
        uid: randomUUID(),
        resourceVersion,
        generation: 1,
        creationTimestamp: this.tick(),
      };
      const created: Obj = { ...body, metadata, status: {} };
      if (kind === 'services') created.spec.clusterIP = '10.0.0.10';
      store.set(metadata.name, created);
      return send(201, created);
    } else if (method === 'GET' && !name) {
      const [key, value] = (query.get('labelSelector') ?? '').split('=');
      const items = [...store.values()].filter(
        o => !key || o.metadata.labels?.[key] === value,
      );
      return send(200, { kind: 'List', metadata: {}, items });
    } else if (!found) {
      return notFound();
    } else if (method === 'GET') {
      return send(200, found);
    } else if (method === 'PUT') {
      if (body!.metadata.resourceVersion !== found.metadata.resourceVersion) {
        const message = `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`;
        return fail(409, 'Conflict', message);
      }
      const changed = JSON.stringify(body!.spec) !== JSON.stringify(found.spec);
      const { uid, creationTimestamp, generation } = found.metadata;
      const metadata = {
        ...body!.metadata,
        uid,
        creationTimestamp,
        resourceVersion,
        generation: generation + (changed ? 1 : 0),
      };
      const replaced: Obj = { ...body, metadata, status: found.status };
      // Like the API server, keep the allocated clusterIP when the update leaves it out.
      if (kind === 'services') replaced.spec.clusterIP ??= found.spec.clusterIP;
      store.set(name, replaced);
      return send(200, replaced);
    } else if (method === 'DELETE') {
      store.delete(name);
      return send(200, {
        kind: 'Status',
        status: 'Success',
        details: { name, kind },
      });
    }
    return fail(405, 'MethodNotAllowed', `fake: ${method} ${path}`);
  }
}
