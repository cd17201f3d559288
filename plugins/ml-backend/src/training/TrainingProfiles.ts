import { InputError, NotFoundError } from '@backstage/errors';
import {
  mlTrainingProfileCreatePermission,
  mlTrainingProfileUpdatePermission,
  TrainingProfile,
} from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { ConfiguredPool } from '../shared/pools';
import { ConfiguredProfile, parseProfileRequest } from './profileDefinition';
import {
  ProfileSyncResult,
  TrainingProfileStore,
} from './TrainingProfileStore';

/**
 * Training profiles as owned, versioned assets: every caller reads them (they are what
 * jobs are submitted on); the platform groups create them (`ml.trainingProfile.create`)
 * and their owner group changes them (`ml.trainingProfile.update`), each change a new
 * version. Config's profiles are synced in at start.
 *
 * @internal
 */
export class TrainingProfiles {
  constructor(
    private readonly options: {
      store: TrainingProfileStore;
      pools: ConfiguredPool[];
      access: AccessControl;
    },
  ) {}

  list(): Promise<TrainingProfile[]> {
    return this.options.store.listCurrent();
  }

  /** The current version; 404 for an unknown profile. */
  async get(name: string): Promise<TrainingProfile> {
    const profile = await this.options.store.getCurrent(name);
    if (!profile) throw new NotFoundError(`No training profile '${name}'`);
    return profile;
  }

  /** One version; 404 when the profile or the version is unknown. */
  async getVersion(name: string, version: number): Promise<TrainingProfile> {
    const found = await this.options.store.getVersion(name, version);
    if (!found) {
      throw new NotFoundError(
        `Training profile '${name}' has no version ${version}`,
      );
    }
    return found;
  }

  /** Every version, newest first; 404 for an unknown profile. */
  async versions(name: string): Promise<TrainingProfile[]> {
    const versions = await this.options.store.listVersions(name);
    if (versions.length === 0) {
      throw new NotFoundError(`No training profile '${name}'`);
    }
    return versions;
  }

  /**
   * Creates a profile at version 1 for `owner` (one of the caller's groups; their first
   * by default). Needs `ml.trainingProfile.create`, which the portal policy keeps to
   * platform groups.
   */
  async create(caller: Caller, input: unknown): Promise<TrainingProfile> {
    const { access, store, pools } = this.options;
    const request = parseProfileRequest(input, pools);
    if (!request.name) {
      throw new InputError('Invalid training profile: name: Required');
    }
    await access.authorize(caller, mlTrainingProfileCreatePermission);
    const owner = request.owner ?? caller.owner;
    access.assertMember(caller, 'create a training profile', owner);
    return store.create({
      name: request.name,
      owner,
      definition: request.definition,
      source: 'api',
      createdBy: caller.userId,
    });
  }

  /**
   * Makes the next version of a profile from the whole definition sent. Needs
   * `ml.trainingProfile.update` on the profile (its owner group); handing it to another
   * owner needs membership of that group too.
   */
  async update(
    caller: Caller,
    name: string,
    input: unknown,
  ): Promise<TrainingProfile> {
    const { access, store, pools } = this.options;
    const request = parseProfileRequest(input, pools);
    if (request.name !== undefined && request.name !== name) {
      throw new InputError(
        `Invalid training profile: name: '${request.name}' is not '${name}' (a profile is not renamed)`,
      );
    }
    const current = await this.get(name);
    await access.authorize(caller, mlTrainingProfileUpdatePermission, {
      owner: current.owner,
      describe: `training profile '${name}'`,
    });
    const owner = request.owner ?? current.owner;
    if (owner !== current.owner) {
      access.assertMember(caller, `hand training profile '${name}'`, owner);
    }
    return store.addVersion({
      name,
      owner,
      definition: request.definition,
      source: 'api',
      createdBy: caller.userId,
      baseVersion: request.baseVersion,
    });
  }

  /** Config's profiles into the table (see {@link TrainingProfileStore.syncConfig}). */
  syncConfig(profiles: ConfiguredProfile[]): Promise<ProfileSyncResult[]> {
    return this.options.store.syncConfig(profiles);
  }
}
