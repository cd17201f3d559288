export interface Config {
  ml?: {
    /** Compute targets that run training attempts outside the backend. */
    targets?: {
      /**
       * The `azureml` compute target (`@ml-portal/plugin-ml-backend-module-azureml`):
       * pools with `target: azureml` run as Azure Machine Learning command jobs on the
       * compute cluster their `instanceType` names. When absent, the target is not
       * registered. Credentials are never configured here: `DefaultAzureCredential` finds
       * them (environment service principal, workload identity, managed identity). The
       * identity needs the `AzureML Data Scientist` role on the workspace (jobs, computes
       * read, environments write).
       */
      azureml?: {
        /** Subscription of the workspace, a GUID. */
        subscriptionId: string;
        /** Resource group of the workspace. */
        resourceGroup: string;
        /** Name of the Azure Machine Learning workspace. */
        workspace: string;
        /**
         * Azure ML environment of jobs that bring no image, e.g.
         * `azureml:pytorch-train:3`, `azureml://registries/azureml/environments/acpt-pytorch-2.2-cuda12.1/versions/10`
         * or an environment version's ARM id. A job that brings an image runs in an
         * anonymous environment wrapping that image instead.
         */
        environment?: string;
        /** Azure ML experiment the jobs are grouped under. Defaults to `ml-portal`. */
        experimentName?: string;
        /**
         * Datastore that holds checkpoint locations given as relative paths (the platform's
         * default), as `azureml://datastores/<datastore>/paths/<path>`. Defaults to
         * `workspaceblobstore`, which every workspace has.
         */
        checkpointDatastore?: string;
        /**
         * Azure Resource Manager endpoint, for sovereign clouds (e.g.
         * `https://management.usgovcloudapi.net`) and tests. Defaults to
         * `https://management.azure.com`. Must be https, except `http://` on a loopback
         * host (localhost, 127.0.0.1, [::1]) for local fakes.
         */
        endpoint?: string;
      };
    };
    /** Serving targets that run endpoints outside the backend. */
    serving?: {
      targets?: {
        /**
         * The `azureml` serving target (`mlModuleAzureMlServingTarget` of
         * `@ml-portal/plugin-ml-backend-module-azureml`): endpoints with
         * `target: azureml` become Azure ML managed online endpoints, each deployment a
         * managed online deployment. When absent, the target is not registered.
         * Credentials come from `DefaultAzureCredential`, as for the compute target; the
         * identity needs the `AzureML Data Scientist` role on the workspace.
         */
        azureml?: {
          /** Subscription of the workspace, a GUID. */
          subscriptionId: string;
          /** Resource group of the workspace. */
          resourceGroup: string;
          /** Name of the Azure Machine Learning workspace. */
          workspace: string;
          /**
           * Azure ML environment per MLmodel flavor, e.g.
           * `{ portal_logistic: 'azureml:portal-logistic-serving:2' }`. Flavors without
           * one deploy as MLflow models without an environment (Azure ML builds one).
           */
          environments?: { [flavor: string]: string };
          /** VM size of endpoints that name no instance type, e.g. `Standard_DS3_v2`. */
          instanceType?: string;
          /** Azure Resource Manager endpoint, as for the compute target. */
          endpoint?: string;
        };
      };
    };
  };
}
