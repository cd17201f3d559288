import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
  SubPageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { ML_MODEL_ANNOTATION } from '@ml-portal/plugin-ml-common';
import MemoryIcon from '@mui/icons-material/Memory';
import { MlClient, mlApiRef } from './api/MlApi';
import { rootRouteRef } from './routes';

const mlApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: mlApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new MlClient(deps),
    }),
});

const mlPage = PageBlueprint.make({
  params: { path: '/ml', routeRef: rootRouteRef, title: 'ML Platform' },
});

const overviewTab = SubPageBlueprint.make({
  name: 'overview',
  params: {
    path: 'overview',
    title: 'Overview',
    loader: () =>
      import('./components/OverviewPage').then(m => <m.OverviewPage />),
  },
});

const experimentsTab = SubPageBlueprint.make({
  name: 'experiments',
  params: {
    path: 'experiments',
    title: 'Experiments',
    loader: () =>
      import('./components/tracking/ExperimentsTab').then(m => (
        <m.ExperimentsTab />
      )),
  },
});

const trainingTab = SubPageBlueprint.make({
  name: 'training',
  params: {
    path: 'training',
    title: 'Training',
    loader: () =>
      import('./components/training/TrainingTab').then(m => <m.TrainingTab />),
  },
});

const costTab = SubPageBlueprint.make({
  name: 'cost',
  params: {
    path: 'cost',
    title: 'Cost',
    loader: () =>
      import('./components/cost/CostPage').then(m => <m.CostPage />),
  },
});

/** A team's GPU spend, budget and costliest jobs on its group page. */
const groupCostCard = EntityCardBlueprint.make({
  name: 'group-cost',
  params: {
    filter: { kind: 'group' },
    loader: () =>
      import('./components/cost/GroupCostCard').then(m => <m.GroupCostCard />),
  },
});

const modelsTab = SubPageBlueprint.make({
  name: 'models',
  params: {
    path: 'models',
    title: 'Models',
    loader: () =>
      import('./components/registry/ModelsTab').then(m => <m.ModelsTab />),
  },
});

const featuresTab = SubPageBlueprint.make({
  name: 'features',
  params: {
    path: 'features',
    title: 'Features',
    loader: () =>
      import('./components/features/FeaturesTab').then(m => <m.FeaturesTab />),
  },
});

/**
 * The registered model an entity names with `ml.platform/model`: components that
 * serve or produce one, and the catalog's `ml-model` resources, which carry it too.
 */
const modelEntityCard = EntityCardBlueprint.make({
  name: 'ml-model',
  params: {
    filter: entity =>
      Boolean(entity.metadata.annotations?.[ML_MODEL_ANNOTATION]),
    loader: () =>
      import('./components/registry/ModelEntityCard').then(m => (
        <m.ModelEntityCard />
      )),
  },
});

/** Datasets and their lineage; `datasets/<id>` is where lineage nodes and catalog entities of datasets point. */
const datasetsTab = SubPageBlueprint.make({
  name: 'datasets',
  params: {
    path: 'datasets',
    title: 'Datasets',
    loader: () =>
      import('./components/lineage/DatasetsTab').then(m => <m.DatasetsTab />),
  },
});

/** Endpoints serving model versions, one endpoint's canary and rollbacks, a model's pipeline. */
const deploymentsTab = SubPageBlueprint.make({
  name: 'deployments',
  params: {
    path: 'deployments',
    title: 'Deployments',
    loader: () =>
      import('./components/deployments/DeploymentsTab').then(m => (
        <m.DeploymentsTab />
      )),
  },
});

/** Every readable model's production-readiness score, and which checks fail where. */
const readinessTab = SubPageBlueprint.make({
  name: 'readiness',
  params: {
    path: 'readiness',
    title: 'Readiness',
    loader: () =>
      import('./components/readiness/ReadinessPage').then(m => (
        <m.ReadinessPage />
      )),
  },
});

/** A model's production-readiness scorecard on its catalog entity. */
const readinessEntityCard = EntityCardBlueprint.make({
  name: 'ml-model-readiness',
  params: {
    filter: entity =>
      entity.spec?.type === 'ml-model' &&
      Boolean(entity.metadata.annotations?.[ML_MODEL_ANNOTATION]),
    loader: () =>
      import('./components/readiness/ReadinessEntityCard').then(m => (
        <m.ReadinessEntityCard />
      )),
  },
});

/**
 * The ML Platform frontend plugin.
 *
 * @public
 */
export const mlPlugin = createFrontendPlugin({
  pluginId: 'ml',
  title: 'ML Platform',
  icon: <MemoryIcon />,
  routes: { root: rootRouteRef },
  extensions: [
    mlApi,
    mlPage,
    overviewTab,
    experimentsTab,
    modelsTab,
    featuresTab,
    datasetsTab,
    trainingTab,
    deploymentsTab,
    readinessTab,
    costTab,
    groupCostCard,
    modelEntityCard,
    readinessEntityCard,
  ],
});
