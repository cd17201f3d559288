import { PromotionRequest } from '@ml-portal/plugin-ml-common';
import { PromotionService } from '../registry/PromotionService';
import { RegistryService } from '../registry/RegistryService';
import { MlflowError } from './errors';
import {
  Handler,
  list,
  optionalArray,
  optionalBool,
  optionalInt,
  optionalString,
  Params,
  passThrough,
  required,
} from './params';
import { requestLimits } from '../shared/validation';
import { modelVersionJson, registeredModelJson } from './serialize';

const nameOf = (p: Params) => required(p, 'name');
const versionOf = (p: Params) => required(p, 'version');

const tagsOf = (p: Params) => optionalArray(p, 'tags');

function searchOf(p: Params) {
  return {
    filter: optionalString(p, 'filter'),
    orderBy: list(p, 'order_by', requestLimits.orderBy),
    maxResults: optionalInt(p, 'max_results'),
    pageToken: optionalString(p, 'page_token'),
  };
}

/**
 * A protected alias moves only by an approved request: MLflow clients learn so from a
 * PERMISSION_DENIED that names the request.
 */
function awaitingApproval(request: PromotionRequest): MlflowError {
  return new MlflowError(
    'PERMISSION_DENIED',
    `Alias '${request.alias}' of model '${
      request.modelName
    }' is protected: promotion request ${request.id} to ${
      request.action === 'remove' ? 'remove it from' : 'move it to'
    } version ${
      request.version
    } awaits approval by a member of ${request.approverGroups.join(' or ')}`,
  );
}

/**
 * The MLflow REST API 2.0 model registry endpoints, as a routing table from
 * `METHOD path` to handler; methods and paths are MLflow's.
 *
 * @internal
 */
export function registryHandlers(
  registry: RegistryService,
  /** Aliases move through the promotion workflow. */
  promotions: PromotionService,
): Record<string, Handler> {
  const latestVersions: Handler = async (caller, p) => ({
    model_versions: (
      await registry.latestVersions(
        caller,
        nameOf(p),
        list(p, 'stages', requestLimits.stages),
      )
    ).map(modelVersionJson),
  });

  return {
    'POST registered-models/create': async (caller, p) => ({
      registered_model: registeredModelJson(
        await registry.createModel(caller, {
          name: passThrough(p, 'name'),
          description: optionalString(p, 'description'),
          tags: tagsOf(p),
        }),
      ),
    }),
    'GET registered-models/get': async (caller, p) => ({
      registered_model: registeredModelJson(
        await registry.getModel(caller, nameOf(p)),
      ),
    }),
    'POST registered-models/rename': async (caller, p) => ({
      registered_model: registeredModelJson(
        await registry.renameModel(
          caller,
          nameOf(p),
          passThrough(p, 'new_name'),
        ),
      ),
    }),
    'PATCH registered-models/update': async (caller, p) => ({
      registered_model: registeredModelJson(
        await registry.updateModel(
          caller,
          nameOf(p),
          optionalString(p, 'description'),
        ),
      ),
    }),
    'DELETE registered-models/delete': async (caller, p) => {
      await registry.deleteModel(caller, nameOf(p));
      return {};
    },
    'GET registered-models/search': async (caller, p) => {
      const page = await registry.searchModels(caller, searchOf(p));
      return {
        registered_models: page.items.map(registeredModelJson),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      };
    },
    'POST registered-models/get-latest-versions': latestVersions,
    'GET registered-models/get-latest-versions': latestVersions,
    'POST registered-models/set-tag': async (caller, p) => {
      await registry.setModelTag(caller, nameOf(p), {
        key: p.key,
        value: p.value,
      });
      return {};
    },
    'DELETE registered-models/delete-tag': async (caller, p) => {
      await registry.deleteModelTag(caller, nameOf(p), required(p, 'key'));
      return {};
    },
    'POST registered-models/alias': async (caller, p) => {
      const pending = await promotions.setAlias(
        caller,
        nameOf(p),
        required(p, 'alias'),
        versionOf(p),
      );
      if (pending) throw awaitingApproval(pending);
      return {};
    },
    'DELETE registered-models/alias': async (caller, p) => {
      const pending = await promotions.deleteAlias(
        caller,
        nameOf(p),
        required(p, 'alias'),
      );
      if (pending) throw awaitingApproval(pending);
      return {};
    },
    'GET registered-models/alias': async (caller, p) => ({
      model_version: modelVersionJson(
        await registry.getVersionByAlias(
          caller,
          nameOf(p),
          required(p, 'alias'),
        ),
      ),
    }),

    'POST model-versions/create': async (caller, p) => ({
      model_version: modelVersionJson(
        await registry.createVersion(caller, {
          name: nameOf(p),
          source: required(p, 'source'),
          runId: optionalString(p, 'run_id') || undefined,
          modelId: optionalString(p, 'model_id') || undefined,
          description: optionalString(p, 'description'),
          tags: tagsOf(p),
        }),
      ),
    }),
    'GET model-versions/get': async (caller, p) => ({
      model_version: modelVersionJson(
        await registry.getVersion(caller, nameOf(p), versionOf(p)),
      ),
    }),
    'PATCH model-versions/update': async (caller, p) => ({
      model_version: modelVersionJson(
        await registry.updateVersion(
          caller,
          nameOf(p),
          versionOf(p),
          optionalString(p, 'description'),
        ),
      ),
    }),
    'DELETE model-versions/delete': async (caller, p) => {
      await registry.deleteVersion(caller, nameOf(p), versionOf(p));
      return {};
    },
    'GET model-versions/search': async (caller, p) => {
      const page = await registry.searchVersions(caller, searchOf(p));
      return {
        model_versions: page.items.map(modelVersionJson),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      };
    },
    'POST model-versions/set-tag': async (caller, p) => {
      await registry.setVersionTag(caller, nameOf(p), versionOf(p), {
        key: p.key,
        value: p.value,
      });
      return {};
    },
    'DELETE model-versions/delete-tag': async (caller, p) => {
      await registry.deleteVersionTag(
        caller,
        nameOf(p),
        versionOf(p),
        required(p, 'key'),
      );
      return {};
    },
    'GET model-versions/get-download-uri': async (caller, p) => ({
      artifact_uri: await registry.getDownloadUri(
        caller,
        nameOf(p),
        versionOf(p),
      ),
    }),
    'POST model-versions/transition-stage': async (caller, p) => ({
      model_version: modelVersionJson(
        await registry.transitionStage(
          caller,
          nameOf(p),
          versionOf(p),
          required(p, 'stage'),
          optionalBool(p, 'archive_existing_versions'),
        ),
      ),
    }),
  };
}
