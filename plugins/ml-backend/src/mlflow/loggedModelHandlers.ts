import { InputError } from '@backstage/errors';
import { LoggedModelService } from '../tracking/LoggedModelService';
import { requestLimits } from '../shared/validation';
import { MlflowError } from './errors';
import {
  Handler,
  list,
  optionalInt,
  optionalString,
  Params,
  required,
} from './params';
import { loggedModelJson } from './serialize';

const modelIdOf = (p: Params) => required(p, 'model_id');

/** MLflow sends enums by name; protobuf JSON also allows their numbers. */
function enumText(p: Params, name: string): string {
  const value = p[name];
  if (typeof value === 'number') return String(value);
  return required(p, name);
}

/**
 * MLflow 3's logged-model endpoints (service.proto: CreateLoggedModel, GetLoggedModel,
 * FinalizeLoggedModel, DeleteLoggedModel, SearchLoggedModels, SetLoggedModelTags,
 * DeleteLoggedModelTag, LogLoggedModelParamsRequest, LogOutputs), as a routing table;
 * `:model_id` and `:tag_key` are path parameters as MLflow's routes have them.
 *
 * @internal
 */
export function loggedModelHandlers(
  models: LoggedModelService | undefined,
): Record<string, Handler> {
  const service = () => {
    // A tracking service built without logged models serves no MLflow 3 clients.
    if (!models) {
      throw new MlflowError('ENDPOINT_NOT_FOUND', 'No such MLflow endpoint');
    }
    return models;
  };
  return {
    // Before `logged-models/:model_id`, which would take `search` for an id.
    'POST logged-models/search': async (caller, p) => {
      const page = await service().searchLoggedModels(caller, {
        experimentIds: list(
          p,
          'experiment_ids',
          requestLimits.searchExperimentIds,
        ),
        filter: optionalString(p, 'filter'),
        datasets: p.datasets,
        orderBy: p.order_by,
        maxResults: optionalInt(p, 'max_results'),
        pageToken: optionalString(p, 'page_token'),
      });
      return {
        models: page.items.map(loggedModelJson),
        ...(page.nextPageToken && { next_page_token: page.nextPageToken }),
      };
    },
    'POST logged-models': async (caller, p) => ({
      model: loggedModelJson(
        await service().createLoggedModel(caller, {
          experimentId: required(p, 'experiment_id'),
          name: optionalString(p, 'name'),
          modelType: optionalString(p, 'model_type'),
          sourceRunId: optionalString(p, 'source_run_id'),
          tags: p.tags,
          params: p.params,
        }),
      ),
    }),
    'GET logged-models/:model_id': async (caller, p) => ({
      model: loggedModelJson(
        await service().getLoggedModel(caller, modelIdOf(p)),
      ),
    }),
    'PATCH logged-models/:model_id': async (caller, p) => ({
      model: loggedModelJson(
        await service().finalizeLoggedModel(
          caller,
          modelIdOf(p),
          enumText(p, 'status'),
        ),
      ),
    }),
    'DELETE logged-models/:model_id': async (caller, p) => {
      await service().deleteLoggedModel(caller, modelIdOf(p));
      return {};
    },
    'PATCH logged-models/:model_id/tags': async (caller, p) => ({
      model: loggedModelJson(
        await service().setLoggedModelTags(caller, modelIdOf(p), p.tags),
      ),
    }),
    'DELETE logged-models/:model_id/tags/:tag_key': async (caller, p) => {
      await service().deleteLoggedModelTag(
        caller,
        modelIdOf(p),
        required(p, 'tag_key'),
      );
      return {};
    },
    'POST logged-models/:model_id/params': async (caller, p) => {
      await service().logLoggedModelParams(caller, modelIdOf(p), p.params);
      return {};
    },
    'POST runs/outputs': async (caller, p) => {
      if (p.models !== undefined && !Array.isArray(p.models)) {
        throw new InputError(
          "Invalid value for parameter 'models': expected a list.",
        );
      }
      await service().logOutputs(caller, required(p, 'run_id'), p.models);
      return {};
    },
  };
}
