import { createBackend } from '@backstage/backend-defaults';
import {
  mlModuleLocalComputeTarget,
  mlModuleLocalServingTarget,
} from '@ml-portal/plugin-ml-backend';
import { mlModuleAzureMlServingTarget } from '@ml-portal/plugin-ml-backend-module-azureml';
import { mlModuleKubernetesServingTarget } from '@ml-portal/plugin-ml-backend-module-kubernetes';
import { mlModuleSageMakerServingTarget } from '@ml-portal/plugin-ml-backend-module-sagemaker';
import { mlModuleVertexServingTarget } from '@ml-portal/plugin-ml-backend-module-vertex';
import { permissionModuleMlPlatformPolicy } from './permissionPolicy';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// Auth: the guest provider for local use; production configures a real provider.
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// Models, feature views and datasets as catalog entities, related by lineage.
backend.add(import('@ml-portal/plugin-catalog-backend-module-ml'));

backend.add(import('@backstage/plugin-scaffolder-backend'));
// The ML platform's Scaffolder actions (ml:*), run as the user who starts a template.
backend.add(import('@ml-portal/plugin-scaffolder-backend-module-ml'));

// Notifications: the ml plugin's alerts to owner groups (endpoints, budgets) and
// promotion requests to approvers; signals push them to open pages at once.
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// Search over the catalog (ML models, feature views, datasets, endpoints and training
// profiles included). With PostgreSQL as the database the PostgreSQL engine indexes
// there; on SQLite (local) the module logs that it is not supported and Lunr, in
// memory, stays the engine.
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// Permissions: the ML tenancy policy, on in every config (the ml plugin refuses to start
// with permission.enabled off unless ml.permissions.allowDisabled says so).
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(permissionModuleMlPlatformPolicy);

backend.add(import('@ml-portal/plugin-ml-backend'));
// The local target (jobs on this host) registers only when ml.training.local.enabled is true.
backend.add(mlModuleLocalComputeTarget);
// Compute targets; each registers only when its `ml.targets.<id>` section is configured.
backend.add(import('@ml-portal/plugin-ml-backend-module-kubernetes'));
backend.add(import('@ml-portal/plugin-ml-backend-module-sagemaker'));
backend.add(import('@ml-portal/plugin-ml-backend-module-vertex'));
backend.add(import('@ml-portal/plugin-ml-backend-module-azureml'));
// Serving targets; each registers only when its `ml.serving.targets.<id>` section is
// configured (`local`, model servers on this host, in the local config only).
backend.add(mlModuleLocalServingTarget);
backend.add(mlModuleKubernetesServingTarget);
backend.add(mlModuleSageMakerServingTarget);
backend.add(mlModuleVertexServingTarget);
backend.add(mlModuleAzureMlServingTarget);

backend.start().catch(error => {
  // One line, not a stack: start-up fails on missing prerequisites (Redis, database).
  process.stderr.write(`Backend failed to start: ${error?.message ?? error}\n`);
  process.exit(1);
});
