export interface Config {
  /** Settings of the ML platform backend plugin (`@ml-portal/plugin-ml-backend`). */
  ml?: {
    /** The Redis that carries the BullMQ queues. The database stays the system of record. */
    redis?: {
      /**
       * Redis URL, e.g. `redis://127.0.0.1:6379/0` or `rediss://:password@redis:6380`.
       * When absent, the backend uses a Redis answering on 127.0.0.1:6379, and failing
       * that starts a local `redis-server` child (see `embedded`).
       * @visibility secret
       */
      url?: string;
      /**
       * Start a private `redis-server` child on a free port when no URL is configured and
       * nothing answers on 127.0.0.1:6379. Defaults to true; set false in production so a
       * missing Redis is an error instead.
       */
      embedded?: boolean;
    };
    /** Experiment tracking. */
    tracking?: {
      /**
       * Group entity ref that owns what no team created: MLflow's `Default` experiment and
       * scheduled Feast imports whose owner maps to no group. Never a membership: callers
       * of no group may not create anything. Defaults to `group:default/ml-platform`.
       */
      defaultOwner?: string;
    };
    /** Where run artifacts are stored (MLflow's proxied artifact storage, `mlflow-artifacts:` URIs). */
    artifacts?: {
      /**
       * The largest artifact an upload may store, in bytes; a larger upload is refused
       * (HTTP 413) at its first byte over the limit, and nothing of it is kept.
       * Defaults to 5 GiB (5368709120), which is also the most the S3 store takes.
       */
      maxUploadBytes?: number;
      /** A directory on the backend's file system; used when `s3` is not set. */
      local?: {
        /** Defaults to `.data/artifacts`, relative to the backend's working directory. */
        directory?: string;
      };
      /** An S3 bucket or S3-compatible service. Credentials come from the AWS SDK's default chain, never from this config. */
      s3?: {
        bucket: string;
        /** Key prefix under which artifacts are stored, e.g. `mlflow/artifacts`. */
        prefix?: string;
        /** Defaults to the SDK's chain (`AWS_REGION`, profile). */
        region?: string;
        /** For S3-compatible services, e.g. `http://minio:9000`. */
        endpoint?: string;
        /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible services. */
        forcePathStyle?: boolean;
      };
    };
    /** Training jobs: GPU pools, golden-path profiles, team quotas, the local target. */
    training?: {
      /** Run the queue workers in this backend (false for API-only replicas). Default true. */
      workers?: boolean;
      /** Key prefix of the BullMQ queues in Redis; give each portal sharing a Redis its own. Default `ml`. */
      queuePrefix?: string;
      /** How often running attempts are polled and lost queue entries rebuilt, in ms. Default 2000. */
      pollIntervalMs?: number;
      /**
       * The `local` compute target: runs job commands as child processes of the backend,
       * AS THE BACKEND'S USER. For single-machine installs and demos only; keep it off in
       * production.
       */
      local?: {
        enabled?: boolean;
        /** Where commands run (relative to the backend's working directory). */
        workingDirectory?: string;
        /** Where attempt logs are written. Default `.data/job-logs`. */
        logDirectory?: string;
        /**
         * Group entity refs whose jobs the local target runs (on the backend's host, as
         * its user). Missing or empty: nobody's.
         */
        allowedGroups?: string[];
        /**
         * Backend environment variables that `env:NAME` secret references may hand to a
         * job. Jobs otherwise get PATH, HOME and LANG of the backend's environment only.
         */
        envAllowlist?: string[];
      };
      /**
       * Which secret references each owner group's jobs may use, per target (all targets
       * when `target` is left out): exact names or `prefix*`. A job naming a secret
       * outside its owner's scope is refused at submit and never dispatched. The
       * platform team's `PUT /training/secret-scopes/{team}` replaces a group's entries
       * here; these stay the scopes of groups nobody set through the API.
       */
      secretScopes?: Array<{
        group: string;
        target?: string;
        secrets: string[];
      }>;
      /** GPU pools. Capacity is `nodes × gpusPerNode`. */
      pools?: Array<{
        name: string;
        /** Compute target id: `local`, `kubernetes`, `sagemaker`, ... */
        target: string;
        region?: string;
        gpuType: string;
        gpusPerNode?: number;
        nodes?: number;
        spot?: boolean;
        /** Node selector labels (Kubernetes). */
        labels?: { [key: string]: string };
        /** Node taints the pool's jobs tolerate (Kubernetes). */
        taints?: Array<{
          key: string;
          value?: string;
          effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
        }>;
        /** Instance or machine type on managed platforms. */
        instanceType?: string;
        /** Compliance labels, e.g. `hipaa`, `fedramp-high`. */
        compliance?: string[];
        /** Who bills the GPUs (`aws`, `gcp`, `azure`, `local`), for the price book; from the target unless set (set it for Kubernetes pools). */
        provider?: string;
        /** The pool's price per GPU-hour on demand, over the price book's. */
        gpuHourUsd?: number;
        /** The pool's spot price per GPU-hour; defaults to `gpuHourUsd` less `ml.cost.spotDiscount`. */
        spotGpuHourUsd?: number;
        /** Reserved capacity billed whether used or not: its unused GPU-hours show as idle spend. */
        reserved?: boolean;
      }>;
      /**
       * Owner group of the profiles defined here (a group entity ref). Default: the first
       * of `ml.permissions.platformGroups`, else `ml.tracking.defaultOwner`.
       */
      profilesOwner?: string;
      /**
       * Golden paths: which pools, defaults and limits a job starts from. Synced at start
       * into the profile table, where profiles are versioned: a profile whose definition
       * here changed gets a new version; one changed through the API keeps its version
       * until this definition changes. Profiles removed here stay in the table.
       */
      profiles?: Array<{
        /** Lowercase words joined by `-`, `_` or `.`. */
        name: string;
        /** Its owner group; default `profilesOwner`. */
        owner?: string;
        description?: string;
        pools: string[];
        /** Spot capacity: jobs choose (`allowed`, default), only spot pools (`required`), or `never`. */
        spotPolicy?: 'allowed' | 'required' | 'never';
        defaults?: {
          gpus?: number;
          maxRuntimeSeconds?: number;
          checkpointIntervalSeconds?: number;
          spotAllowed?: boolean;
          /** The image of jobs that name none. */
          image?: string;
        };
        limits?: {
          maxGpus?: number;
          /**
           * Refuses a job whose `maxRuntimeSeconds × GPUs × GPU-hour price` of its dearest
           * pool exceeds this (jobs must then set a runtime limit).
           */
          maxCostPerJobUsd?: number;
        };
      }>;
      /**
       * Team quotas per pool. A pool with quotas admits only the teams listed. The
       * platform team's `PUT /training/quotas/{team}` replaces a team's entries here;
       * these stay the quotas of teams nobody set through the API.
       */
      quotas?: Array<{
        team: string;
        pool: string;
        nominalGpus: number;
        borrowingLimitGpus?: number;
      }>;
      /** Fair-share weights per team entity ref (default 1). */
      teamWeights?: { [team: string]: number };
    };
    /**
     * Tenancy: the rules of the portal's policy (`MlTenancyPolicy`) for users, applied by
     * the ml plugin itself to service tokens and anonymous MLflow clients.
     */
    permissions?: {
      /**
       * Whether members of one team may read other teams' experiments, runs, models,
       * jobs, datasets, feature views and lineage. Writes are always limited to the
       * owner team. Spend is never read across teams (see `managers`). Defaults to true.
       */
      readAcrossTeams?: boolean;
      /** Group entity refs whose members read every team's spend (`ml.cost.read`). */
      managers?: string[];
      /**
       * Group entity refs whose members import bills (`ml.cost.import`), upload Feast
       * registries (`ml.feature.import`) and set teams' budgets (`ml.budget.update`);
       * nobody when empty. Scheduled imports from config are not affected.
       */
      platformGroups?: string[];
      /**
       * Which team each service token acts for: `subject` is the principal's subject
       * (a static token's `subject` in `backend.auth.externalAccess`), `group` a group
       * entity ref. A mapped token reads and writes as a member of that group only; an
       * unmapped one (the catalog's plugin token, a dashboard) reads every team's work and
       * writes nothing. Narrow any token further with `accessRestrictions`.
       */
      servicePrincipals?: Array<{ subject: string; group: string }>;
      /**
       * Start even though `permission.enabled` is not true, which lets every signed-in
       * user change and delete every team's work. The backend refuses to start with
       * permissions off unless this is true, and then logs a warning at start.
       */
      allowDisabled?: boolean;
    };
    /** The MLflow-compatible API under `/api/ml/mlflow`. */
    mlflow?: {
      /**
       * Let MLflow clients without `MLFLOW_TRACKING_TOKEN` call the API, as members of
       * `anonymousGroup` (or of no group: read only). For single-machine installs only.
       * Defaults to false.
       */
      allowUnauthenticated?: boolean;
      /** The group anonymous MLflow clients act for where `allowUnauthenticated` is true. */
      anonymousGroup?: string;
    };
    /** The model registry: who may move protected aliases, and the gates a move must pass. */
    registry?: {
      /**
       * Aliases that move only through an approved promotion request (MLflow's
       * set-alias answers PERMISSION_DENIED naming the request). Defaults to `['production']`.
       */
      protectedAliases?: string[];
      /** A group entity ref that may decide every model's requests, besides each model's owner group. */
      approverGroup?: string;
      /** Whether a requester may approve their own request. Defaults to false; for local development. */
      allowSelfApproval?: boolean;
      /**
       * Gates per alias, checked on the source run's latest metrics when a request is made
       * and again when it is approved, e.g. `{ alias: production, metric: accuracy, op: '>=', threshold: 0.8 }`.
       * Models add metric gates to protected aliases with tags `mlplatform.gate.<metric>` = `>=0.85`.
       */
      gates?: Array<{
        alias: string;
        /** Defaults to `metric`; `no-open-drift-alert` passes while endpoint monitoring is not configured. */
        type?: 'metric' | 'no-open-drift-alert';
        metric?: string;
        op?: '>' | '>=' | '<' | '<=';
        threshold?: number;
      }>;
    };
    /** GPU spend: the price book, budgets and imports of real bills. */
    cost?: {
      /**
       * Prices per GPU-hour in USD. An entry names a pool, or a GPU type with optionally a
       * provider and a region; the most specific match wins. Entries of one match with
       * different `effectiveFrom` dates (UTC) are its history: add a new entry to change
       * a price, so costs already recorded never change. Built-in list prices cover
       * A10G, A100-80GB, H100 and TPU-v5e on aws/gcp/azure.
       */
      prices?: Array<{
        pool?: string;
        provider?: string;
        gpuType?: string;
        region?: string;
        gpuHourUsd: number;
        spotGpuHourUsd?: number;
        /** `YYYY-MM-DD`; defaults to always. */
        effectiveFrom?: string;
      }>;
      /** Spot discount off on-demand where no spot price is given; defaults to 0.65. */
      spotDiscount?: number;
      /** Object storage price per GB-month; defaults to 0.023. */
      storageGbMonthUsd?: number;
      /** Monthly GPU budgets per team: the defaults, a budget set through the API replaces a team's. */
      budgets?: Array<{
        /** A group entity ref, e.g. `group:default/recsys`. */
        team: string;
        monthlyUsd: number;
        /** Fractions of the budget that raise an alert; defaults to [0.8, 1]. */
        alertAt?: number[];
        /** Hold the team's new jobs (reason `budget`) once the month's spend reaches the budget. */
        hard?: boolean;
      }>;
      /** Bills imported on a schedule for reconciliation (also possible by upload on the Cost page). */
      imports?: Array<{
        format: 'opencost' | 'aws-cur';
        /** A local file the export is written to. */
        path: string;
        /** Label or tag naming the team; defaults to `team`. */
        teamLabel?: string;
        /** Kubernetes namespace → group entity ref. */
        namespaces?: { [namespace: string]: string };
        /** Team of lines no label or namespace maps. */
        defaultTeam?: string;
        /** OpenCost: record each allocation's GPU cost (default) or its total cost. */
        amount?: 'gpu' | 'total';
      }>;
      /** Minutes between scheduled imports; defaults to 60. */
      importIntervalMinutes?: number;
      /**
       * Serving cost. Endpoints with GPUs are priced per GPU-hour like training (their
       * pool's price); these price the rest. Entries of `prices` for the GPU types `CPU`
       * and `serverless-request` (per request-hour) change these from a date.
       */
      serving?: {
        /** Price of a CPU replica-hour (an endpoint without GPUs); defaults to 0.1. */
        cpuReplicaHourUsd?: number;
        /** Serverless endpoints the portal routes: price per request-second; defaults to 0.00008. */
        requestSecondUsd?: number;
        /** An endpoint with replicas up and fewer requests an hour than this is idle; defaults to 10. */
        idleRequestsPerHour?: number;
        /** Hours idle endpoints are judged on; defaults to 24. */
        idleWindowHours?: number;
        /** Minutes between serving metering runs (each records the hours that closed); defaults to 5. */
        meterIntervalMinutes?: number;
      };
    };
    /** The feature catalog, imported from Feast registries (`feast registry-dump` JSON). */
    features?: {
      /** Registry dumps a job writes to files, imported on a schedule (also possible by upload on the Features page). */
      imports?: Array<{
        /** Names the import in the history, e.g. `rideshare-prod`. */
        id: string;
        /** The `feast registry-dump` output, relative to the backend's working directory. */
        path: string;
      }>;
      /** Minutes between scheduled imports; defaults to 60. */
      importIntervalMinutes?: number;
      /**
       * Feast owners (a view's `owner`, or its `team`/`owner` tag) → group entity refs.
       * Values that are group names (`recsys`) or refs map by themselves; list emails
       * and other names here. Views whose owner maps to nothing belong to the group
       * of whoever imported them first.
       */
      owners?: Array<{
        /** As written in Feast, e.g. `mei.chen@example.com`; compared ignoring case. */
        owner: string;
        /** A group entity ref, e.g. `group:default/recsys`. */
        group: string;
      }>;
    };
    /** What endpoints without settings of their own are monitored with (see README, Monitoring). */
    monitoring?: {
      /** Seconds between monitoring passes (rollups, SLOs, drift windows); 30 by default. */
      intervalSeconds?: number;
      /**
       * How often the numbers of endpoints served by remote targets (their model servers'
       * Prometheus metrics, SageMaker's CloudWatch metrics) are read into the serving
       * minutes, in seconds: a whole number of minutes. Defaults to 60.
       */
      scrapeIntervalSeconds?: number;
      /** Rows each backend replica samples per deployment and window; 2000 by default. */
      sampleCapacity?: number;
      drift?: {
        enabled?: boolean;
        /** Share of requests the serving router samples; 0.1 by default. */
        sampleRate?: number;
        /** 60 by default. */
        windowMinutes?: number;
        /** Rows a window needs to be judged; 200 by default. */
        minSamples?: number;
        thresholds?: { psiWarn?: number; psiAlert?: number; pValue?: number };
      };
      /** An SLO for every endpoint; none by default. */
      slo?: { p95Ms?: number; errorRate?: number; windowMinutes?: number };
    };
    /** Endpoints, canaries and the serving router. */
    deployments?: {
      /** The canary policy of endpoints that set none: 10% for 10 minutes, 100 requests, +0.02 error rate, 1.5x p95 by default. */
      canary?: {
        percent?: number;
        durationMinutes?: number;
        minRequests?: number;
        maxErrorRateIncrease?: number;
        maxP95Ratio?: number;
      };
      /** The pipeline's stages in order, each an alias; default [staging, production]. */
      stages?: string[];
      /** Seconds between canary analyses and reconciliations; default 15. */
      analysisIntervalSeconds?: number;
      /** Milliseconds between writes of the router's counts; default 2000. */
      meterFlushMs?: number;
      /** Where model files are put for targets that serve from local files; a temp folder by default. */
      modelCacheDirectory?: string;
      /**
       * Scoring on a listener of its own (`/serving/<endpoint>/invocations`), without
       * Backstage's per-request middleware; the same router, auth and tokens. Endpoint
       * URLs use `baseUrl` when given (put your ingress in front of it).
       */
      servingListener?: { port: number; host?: string; baseUrl?: string };
      /** False on replicas that only serve the API: no analysis or reconciliation there. */
      workers?: boolean;
      batch?: {
        /** The training profile batch scoring jobs run with. */
        profile?: string;
        /** The scorer's command; `{modelDir}`, `{modelUri}`, `{input}` and `{output}` are filled in. */
        command?: string[];
      };
    };
    /** Serving targets; each module documents its own section. */
    serving?: {
      targets?: {
        /** Model servers as processes on the backend's host: local installs and demos only. */
        local?: {
          /** False turns the target off (production over the local config). */
          enabled?: boolean;
          /** Where the commands run, relative to the backend's working directory. */
          workingDirectory?: string;
          /** Seconds a server has to answer GET /ping; default 30. */
          startTimeoutSeconds?: number;
          /** Seconds between SIGTERM and SIGKILL when a server stops; default 5. */
          stopGraceSeconds?: number;
          /** A model serves as the first flavor of its MLmodel listed here. */
          flavors: Array<{
            flavor: string;
            /** `{modelDir}` and `{port}` are filled in. */
            command: string[];
          }>;
        };
      };
    };
  };
}
