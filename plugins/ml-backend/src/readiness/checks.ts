import {
  BudgetStatus,
  CatalogDataset,
  EndpointKind,
  MonitoringSettings,
  PromotionGate,
  ReadinessCheck,
  ReadinessCheckId,
  RegisteredModel,
  Run,
  TrainingJob,
} from '@ml-portal/plugin-ml-common';
import {
  ArtifactStoreDescription,
  ReadinessEndpoint,
  ReadinessVersion,
} from './ports';

/** Model tag declaring how the model is served: `real-time`, `batch` or `serverless`. */
const WORKLOAD_CLASS_TAG = 'mlplatform.workload-class';

const WORKLOAD_CLASSES: readonly EndpointKind[] = [
  'real-time',
  'batch',
  'serverless',
];

/** The titles, in the order the scorecard lists its checks. */
const CHECK_TITLES: Record<ReadinessCheckId, string> = {
  'workload-class': 'Workload class',
  'data-residency': 'Data residency and compliance declared',
  'artifact-storage': 'Artifact location and encryption',
  'spot-checkpointing': 'Checkpointing on spot',
  tracking: 'Tracked with params and metrics',
  lineage: 'Registered with lineage to data',
  'evaluation-gates': 'Evaluation gates defined',
  monitoring: 'Deployed with monitoring and drift thresholds',
  retraining: 'Retraining trigger',
  cost: 'Cost within budget',
};

/** An endpoint with what it is monitored with. @internal */
export type MonitoredServing = ReadinessEndpoint & {
  settings: MonitoringSettings;
  /** Whether drift has the stable version's feature profile to judge against. */
  baseline?: { found: boolean; reason?: string };
};

/** Everything the checks are computed from, gathered by the service. @internal */
export type ReadinessFacts = {
  model: RegisteredModel;
  /** The protected alias that picked the judged version, if one did. */
  alias?: string;
  version?: ReadinessVersion;
  run?: Run;
  job?: TrainingJob;
  datasets: CatalogDataset[];
  featureViews: string[];
  /** The gates of the first protected alias, `gateAlias`. */
  gateAlias: string;
  gates: PromotionGate[];
  /** Endpoints with a live deployment of the model. */
  endpoints: MonitoredServing[];
  budget?: BudgetStatus;
  formatUsd: (micros: number) => string;
  artifactStore: ArtifactStoreDescription;
};

const segment = encodeURIComponent;

/** Pages relative to the ML page, as lineage nodes and catalog assets name them. */
const paths = {
  model: (name: string) => `models/${segment(name)}`,
  version: (name: string, version: number) =>
    `models/${segment(name)}/versions/${version}`,
  run: (experimentId: string, runId: string) =>
    `experiments/${segment(experimentId)}/runs/${segment(runId)}`,
  job: (jobId: string) => `training/jobs/${segment(jobId)}`,
  dataset: (id: string) => `datasets/${segment(id)}`,
  endpoint: (name: string) => `deployments/${segment(name)}`,
  pipeline: (name: string) => `deployments/pipelines/${segment(name)}`,
  cost: (team: string) => `cost?team=${segment(team)}`,
};

type Outcome = Omit<ReadinessCheck, 'id' | 'title'>;

const pass = (fact: string, fix: string, fixUrl?: string): Outcome => ({
  status: 'pass',
  fact,
  fix,
  ...(fixUrl && { fixUrl }),
});
const fail = (fact: string, fix: string, fixUrl?: string): Outcome => ({
  ...pass(fact, fix, fixUrl),
  status: 'fail',
});
const unknown = (fact: string, fix: string, fixUrl?: string): Outcome => ({
  ...pass(fact, fix, fixUrl),
  status: 'unknown',
});

/** `a, b and 2 more`: names in facts stay short. */
function list(names: string[], max = 3): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function versionLabel(facts: ReadinessFacts): string {
  const { version, alias } = facts;
  if (!version) return 'no version';
  return `version ${version.version}${alias ? ` (${alias})` : ''}`;
}

function workloadClass(facts: ReadinessFacts): Outcome {
  const { model, endpoints } = facts;
  const declared = model.tags.find(t => t.key === WORKLOAD_CLASS_TAG)?.value;
  const served = [...new Set(endpoints.map(e => e.kind))];
  const servedBy = endpoints.map(e => `${e.name} (${e.kind})`);
  const fix = `Tag the model ${WORKLOAD_CLASS_TAG} = ${WORKLOAD_CLASSES.join(
    ' | ',
  )}, and serve it from endpoints of that kind`;
  const url = paths.model(model.name);
  if (declared !== undefined) {
    if (!WORKLOAD_CLASSES.includes(declared as EndpointKind)) {
      return fail(
        `${WORKLOAD_CLASS_TAG} is '${declared}', which is none of ${WORKLOAD_CLASSES.join(
          ', ',
        )}`,
        fix,
        url,
      );
    }
    const others = endpoints.filter(e => e.kind !== declared);
    if (others.length > 0) {
      return fail(
        `Declared ${declared}, but ${list(
          others.map(e => `${e.name} serves it ${e.kind}`),
        )}`,
        fix,
        url,
      );
    }
    return pass(
      `Declared ${declared}${
        servedBy.length ? `; served by ${list(servedBy)}` : ''
      }`,
      fix,
      url,
    );
  }
  if (served.length === 1) {
    return pass(
      `${served[0]}, as its endpoints serve it: ${list(servedBy)}`,
      fix,
      url,
    );
  }
  return fail(
    served.length > 1
      ? `Served as ${served.join(' and ')} (${list(
          servedBy,
        )}) and no ${WORKLOAD_CLASS_TAG} tag says which it is`
      : `No ${WORKLOAD_CLASS_TAG} tag and no endpoint serves it`,
    fix,
    url,
  );
}

function dataResidency(facts: ReadinessFacts): Outcome {
  const { datasets, job, model, version } = facts;
  const fix =
    "Register each input dataset with its residency (POST /api/ml/datasets, `residency`) and name it in the job spec's inputs; the job spec states `dataResidency` and `compliance`";
  if (!version) {
    return unknown(
      'The model has no version to trace to its data',
      fix,
      paths.model(model.name),
    );
  }
  if (datasets.length === 0) {
    return unknown(
      `No dataset is upstream of ${versionLabel(facts)} in lineage`,
      fix,
      paths.version(model.name, version.version),
    );
  }
  const compliance = job?.spec.compliance?.length
    ? `its training job declares compliance ${job.spec.compliance.join(', ')}`
    : 'its training job declares no compliance labels';
  const missing = datasets.filter(d => !d.residency);
  if (missing.length > 0) {
    return fail(
      `${list(missing.map(d => d.name))} declare${
        missing.length === 1 ? 's' : ''
      } no residency; ${compliance}`,
      fix,
      paths.dataset(missing[0].id),
    );
  }
  return pass(
    `${list(datasets.map(d => `${d.name} (${d.residency})`))}; ${compliance}`,
    fix,
    paths.version(model.name, version.version),
  );
}

function artifactStorage(facts: ReadinessFacts): Outcome {
  const { version, artifactStore: store, model } = facts;
  const fix =
    "Keep artifacts in the portal's store on S3 (`ml.artifacts.s3`), where objects are encrypted at rest, and register versions from runs";
  if (!version) {
    return unknown('The model has no version', fix, paths.model(model.name));
  }
  const uri = version.artifactUri;
  if (!/^(mlflow-artifacts|runs):/.test(uri)) {
    return unknown(
      `${versionLabel(
        facts,
      )} lies at ${uri}, outside the portal's store: its encryption is that storage's, which the portal does not read`,
      fix,
      paths.version(model.name, version.version),
    );
  }
  if (store.kind === 'local') {
    return fail(
      `${versionLabel(facts)} lies in the portal's local artifact directory ${
        store.directory
      }: one host's disk, not shared between replicas, not encrypted by the platform`,
      fix,
    );
  }
  const location = `s3://${store.bucket}${
    store.prefix ? `/${store.prefix}` : ''
  }`;
  if (store.endpoint) {
    return unknown(
      `${versionLabel(
        facts,
      )} lies in ${location} on the S3-compatible service ${
        store.endpoint
      }; ml.artifacts states no encryption and the portal does not read the service's`,
      fix,
    );
  }
  return pass(
    `${versionLabel(
      facts,
    )} lies in ${location} on Amazon S3, which encrypts every new object at rest (SSE-S3 at least); ml.artifacts asks for no other key`,
    fix,
  );
}

function spotCheckpointing(facts: ReadinessFacts): Outcome {
  const { job, version, model } = facts;
  const fix =
    'Train on a profile or spec with a checkpoint interval (`checkpoint.intervalSeconds`) whenever spot is allowed';
  if (!version?.runId || !job) {
    return unknown(
      version?.runId
        ? `Run ${version.runId} of ${versionLabel(
            facts,
          )} was not trained by a platform job`
        : `${versionLabel(facts)} has no source run`,
      fix,
      version
        ? paths.version(model.name, version.version)
        : paths.model(model.name),
    );
  }
  const url = paths.job(job.jobId);
  if (!job.spotAllowed) {
    return pass(
      `Job ${job.name} runs on on-demand capacity only: nothing preempts it`,
      fix,
      url,
    );
  }
  const { checkpoint } = job.spec;
  if (checkpoint?.intervalSeconds || checkpoint?.uri) {
    return pass(
      `Job ${job.name} may run on spot and checkpoints${
        checkpoint.intervalSeconds
          ? ` every ${checkpoint.intervalSeconds} s`
          : ''
      }${checkpoint.uri ? ` to ${checkpoint.uri}` : ''}`,
      fix,
      url,
    );
  }
  return fail(
    `Job ${job.name} may run on spot but sets no checkpoint interval: a preemption starts it over`,
    fix,
    url,
  );
}

function tracking(facts: ReadinessFacts): Outcome {
  const { run, version, model } = facts;
  const fix =
    "Log the training run's params and metrics to the portal (MLFLOW_TRACKING_URI) and register the version from that run";
  if (!version?.runId || !run) {
    return fail(
      version
        ? `${versionLabel(
            facts,
          )} was registered from files, not from a tracked run`
        : 'The model has no version',
      fix,
      version
        ? paths.version(model.name, version.version)
        : paths.model(model.name),
    );
  }
  const params = run.data.params.length;
  const metrics = run.data.metrics.length;
  const url = paths.run(run.info.experimentId, run.info.runId);
  const counts = `run ${
    run.info.runName || run.info.runId
  } logged ${params} param${params === 1 ? '' : 's'} and ${metrics} metric${
    metrics === 1 ? '' : 's'
  }`;
  return params > 0 && metrics > 0
    ? pass(`${versionLabel(facts)}: ${counts}`, fix, url)
    : fail(`${versionLabel(facts)}: ${counts}`, fix, url);
}

function lineage(facts: ReadinessFacts): Outcome {
  const { version, datasets, featureViews, model } = facts;
  const fix =
    "Name the training data in the job spec's inputs or log it with mlflow.log_input, then register the version from the run";
  if (!version) {
    return fail('The model has no version', fix, paths.model(model.name));
  }
  const url = paths.version(model.name, version.version);
  if (!version.runId) {
    return fail(`${versionLabel(facts)} has no source run`, fix, url);
  }
  const data = [
    ...datasets.map(d => `dataset ${d.name}`),
    ...featureViews.map(v => `feature view ${v}`),
  ];
  return data.length > 0
    ? pass(
        `${versionLabel(facts)} ← run ${version.runId} ← ${list(data)}`,
        fix,
        url,
      )
    : fail(
        `No dataset or feature view is upstream of run ${
          version.runId
        } of ${versionLabel(facts)}`,
        fix,
        url,
      );
}

function evaluationGates(facts: ReadinessFacts): Outcome {
  const { gates, gateAlias, model, run } = facts;
  const fix = `Tag the model mlplatform.gate.<metric> = '>=<threshold>' (or set ml.registry.gates for ${gateAlias})`;
  const url = paths.model(model.name);
  const metricGates = gates.filter(
    (g): g is Extract<PromotionGate, { type: 'metric' }> => g.type === 'metric',
  );
  if (metricGates.length === 0) {
    return fail(`No metric gate guards the ${gateAlias} alias`, fix, url);
  }
  const latest = new Map(run?.data.metrics.map(m => [m.key, m.value]) ?? []);
  const described = metricGates.map(g => {
    const value = latest.get(g.metric);
    return `${g.metric} ${g.op} ${g.threshold}${
      value === undefined ? '' : ` (${versionLabel(facts)}: ${value})`
    }`;
  });
  return pass(`${gateAlias} requires ${list(described)}`, fix, url);
}

function monitoring(facts: ReadinessFacts): Outcome {
  const { endpoints, model } = facts;
  const fix =
    'Deploy it, keep drift sampling on with thresholds, and log a feature_profile.json with the model so drift has a baseline';
  if (endpoints.length === 0) {
    return fail(
      'No endpoint serves the model',
      fix,
      paths.pipeline(model.name),
    );
  }
  const problems: string[] = [];
  const watched: string[] = [];
  for (const e of endpoints) {
    const { drift, slo } = e.settings;
    if (!drift.enabled || drift.sampleRate <= 0) {
      problems.push(`${e.name} samples no traffic for drift`);
    } else if (e.baseline && !e.baseline.found) {
      problems.push(
        `${e.name} has no baseline for version ${e.versions[0]}${
          e.baseline.reason ? ` (${e.baseline.reason})` : ''
        }`,
      );
    } else {
      watched.push(
        `${e.name} samples ${Math.round(
          drift.sampleRate * 100,
        )}% for drift (PSI alert ${drift.thresholds.psiAlert ?? 'default'})${
          slo ? ' with an SLO' : ''
        }`,
      );
    }
  }
  const first = endpoints.find(e => problems.some(p => p.startsWith(e.name)));
  return problems.length > 0
    ? fail(list(problems), fix, paths.endpoint((first ?? endpoints[0]).name))
    : pass(list(watched), fix, paths.endpoint(endpoints[0].name));
}

function retraining(facts: ReadinessFacts): Outcome {
  const { endpoints, job, model } = facts;
  const fix =
    "Set a retraining profile in an endpoint's monitoring settings; the version must come from a platform training job to be trained again";
  if (endpoints.length === 0) {
    return fail(
      'No endpoint serves the model, so no drift can trigger retraining',
      fix,
      paths.pipeline(model.name),
    );
  }
  const triggers = endpoints.filter(e => e.settings.retraining);
  if (triggers.length === 0) {
    return fail(
      `${list(endpoints.map(e => e.name))} set${
        endpoints.length === 1 ? 's' : ''
      } no retraining profile`,
      fix,
      paths.endpoint(endpoints[0].name),
    );
  }
  const described = list(
    triggers.map(e => `${e.name} on profile ${e.settings.retraining!.profile}`),
  );
  if (!job) {
    return fail(
      `Drift retrains from ${described}, but ${versionLabel(
        facts,
      )} was not trained by a platform job to submit again`,
      fix,
      paths.endpoint(triggers[0].name),
    );
  }
  return pass(
    `A drift alert retrains job ${job.name} from ${described}`,
    fix,
    paths.endpoint(triggers[0].name),
  );
}

function cost(facts: ReadinessFacts): Outcome {
  const { budget, model, formatUsd } = facts;
  const fix = `Set a monthly budget for ${model.owner} (PUT /api/ml/cost/budgets/<team>, the ml:budget:set action, or ml.cost.budgets) and keep its spend under it`;
  const url = paths.cost(model.owner);
  if (!budget) {
    return fail(`${model.owner} has no budget`, fix, url);
  }
  const spent = `${model.owner} has spent ${formatUsd(
    budget.spentMicros,
  )} of its ${formatUsd(budget.amountMicros)} budget for ${budget.month}`;
  if (budget.spentMicros >= budget.amountMicros) {
    return fail(spent, fix, url);
  }
  if (budget.forecastMicros > budget.amountMicros) {
    return fail(
      `${spent}, and its running jobs take it to ${formatUsd(
        budget.forecastMicros,
      )} by the month's end`,
      fix,
      url,
    );
  }
  return pass(spent, fix, url);
}

const CHECKS: Record<ReadinessCheckId, (facts: ReadinessFacts) => Outcome> = {
  'workload-class': workloadClass,
  'data-residency': dataResidency,
  'artifact-storage': artifactStorage,
  'spot-checkpointing': spotCheckpointing,
  tracking,
  lineage,
  'evaluation-gates': evaluationGates,
  monitoring,
  retraining,
  cost,
};

/** Every check of the scorecard on one model's facts, in the scorecard's order. @internal */
export function readinessChecks(facts: ReadinessFacts): ReadinessCheck[] {
  return (Object.keys(CHECK_TITLES) as ReadinessCheckId[]).map(id => ({
    id,
    title: CHECK_TITLES[id],
    ...CHECKS[id](facts),
  }));
}
