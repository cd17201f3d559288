import { TrainingProfile } from '@ml-portal/plugin-ml-common';
import { ConfiguredProfile, ProfileDefinition } from './profileDefinition';

/** A version to add: through the API, or from config. @internal */
export type NewProfileVersion = {
  name: string;
  owner: string;
  definition: ProfileDefinition;
  source: 'config' | 'api';
  createdBy?: string;
};

/** What a config sync did to one profile. @internal */
export type ProfileSyncResult = {
  name: string;
  /** The version config made, or the current one when config had not changed. */
  version: number;
  changed: boolean;
};

/**
 * Persistence of training profiles: the only code touching the profile tables. Versions
 * are only ever added, never changed; the profile row points at the current one.
 *
 * @internal
 */
export interface TrainingProfileStore {
  /** Every profile at its current version, by name. */
  listCurrent(): Promise<TrainingProfile[]>;
  getCurrent(name: string): Promise<TrainingProfile | undefined>;
  getVersion(
    name: string,
    version: number,
  ): Promise<TrainingProfile | undefined>;
  /** Many versions in one query; unknown ones are left out. */
  getVersions(
    refs: Array<{ name: string; version: number }>,
  ): Promise<TrainingProfile[]>;
  /** Every version of a profile, newest first; empty for an unknown profile. */
  listVersions(name: string): Promise<TrainingProfile[]>;
  /** A new profile at version 1; ConflictError when the name is taken. */
  create(version: NewProfileVersion): Promise<TrainingProfile>;
  /**
   * The next version of a profile; NotFoundError for an unknown one, ConflictError when
   * `baseVersion` is given and is not the current version (someone changed it meanwhile).
   */
  addVersion(
    version: NewProfileVersion & { baseVersion?: number },
  ): Promise<TrainingProfile>;
  /**
   * Config's profiles into the table: a new profile at version 1, a new version where
   * config changed since the last sync (its digest), nothing otherwise, so a profile
   * changed through the API keeps its version until config changes. Replicas starting
   * together make each version once.
   */
  syncConfig(profiles: ConfiguredProfile[]): Promise<ProfileSyncResult[]>;
}
