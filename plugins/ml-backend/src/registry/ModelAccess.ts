import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  MlModelPermission,
  mlModelReadPermission,
  mlModelUpdatePermission,
  ModelVersion,
} from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { validateModelName, validateModelVersion } from '../shared/validation';
import { actorOf } from '../shared/caller';
import { RegistryStore, StoredModel } from './RegistryStore';

/**
 * The models and versions a caller may read or change, by the permission framework
 * (`ml.model.*`, owner-conditional in the portal's policy). A missing model or version
 * is a NotFoundError with MLflow's message; a refusal names the registry's own verb
 * ("rename", "promote"), which says more than the permission's.
 *
 * @internal
 */
export class ModelAccess {
  constructor(
    private readonly store: Pick<RegistryStore, 'getModel' | 'getVersion'>,
    private readonly access: AccessControl,
  ) {}

  /** The model whoever asks; for decisions registry policy makes, not permissions. */
  async storedModel(name: unknown): Promise<StoredModel> {
    const modelName = validateModelName(name);
    const model = await this.store.getModel(modelName);
    if (!model) {
      throw new NotFoundError(
        `Registered Model with name=${modelName} not found`,
      );
    }
    return model;
  }

  /** The version whoever asks; for decisions registry policy makes, not permissions. */
  async storedVersion(name: unknown, version: unknown): Promise<ModelVersion> {
    const modelName = validateModelName(name);
    const number = validateModelVersion(version);
    const found = await this.store.getVersion(modelName, number);
    if (!found) {
      throw new NotFoundError(
        `Model Version (name=${modelName}, version=${number}) not found`,
      );
    }
    return found;
  }

  async readableModel(caller: Caller, name: unknown): Promise<StoredModel> {
    const model = await this.storedModel(name);
    await this.authorize(caller, mlModelReadPermission, model, 'read');
    return model;
  }

  async readableVersion(
    caller: Caller,
    name: unknown,
    version: unknown,
  ): Promise<ModelVersion> {
    const found = await this.storedVersion(name, version);
    await this.readableModel(caller, found.name);
    return found;
  }

  /** The model if the caller may change it: `ml.model.update`, or the given permission. */
  async writableModel(
    caller: Caller,
    name: unknown,
    verb: string,
    permission: MlModelPermission = mlModelUpdatePermission,
  ): Promise<StoredModel> {
    const model = await this.storedModel(name);
    await this.authorize(caller, permission, model, verb);
    return model;
  }

  async writableVersion(
    caller: Caller,
    name: unknown,
    version: unknown,
    verb = 'change versions of',
    permission: MlModelPermission = mlModelUpdatePermission,
  ): Promise<ModelVersion> {
    const model = await this.writableModel(caller, name, verb, permission);
    return this.storedVersion(model.name, version);
  }

  /** The items of models the caller may read, `ownerOf` naming each one's model owner. */
  readable<T>(
    caller: Caller,
    items: T[],
    ownerOf: (item: T) => string,
  ): Promise<T[]> {
    return this.access.filter(caller, mlModelReadPermission, items, ownerOf);
  }

  private async authorize(
    caller: Caller,
    permission: MlModelPermission,
    model: StoredModel,
    verb: string,
  ): Promise<void> {
    try {
      await this.access.authorize(caller, permission, {
        owner: model.owner,
        describe: `model '${model.name}'`,
      });
    } catch (error) {
      if (!(error instanceof NotAllowedError)) throw error;
      throw new NotAllowedError(
        `${actorOf(caller)} may not ${verb} model '${model.name}' owned by ${
          model.owner
        }`,
      );
    }
  }
}
