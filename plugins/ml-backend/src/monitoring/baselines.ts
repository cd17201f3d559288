import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ArtifactReader } from '../deployments/modelFiles';
import { DeployableModels } from '../deployments/ports';
import { FeatureProfile, parseFeatureProfile } from './drift/profile';

/** The profile's file name, in the model directory or at the run's artifact root. */
export const FEATURE_PROFILE_FILE = 'feature_profile.json';
/** Larger profiles are refused rather than read into memory. */
const MAX_PROFILE_BYTES = 20 * 1024 * 1024;
/** A version without a profile is looked at again after this long. */
const MISS_TTL_MS = 60_000;

/** A version's training baseline, or why there is none. @internal */
export type Baseline = { profile?: FeatureProfile; reason?: string };

/** @internal */
export interface Baselines {
  profileOf(modelName: string, version: number): Promise<Baseline>;
}

async function readBounded(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_PROFILE_BYTES) {
      body.destroy();
      throw new Error(
        `${FEATURE_PROFILE_FILE} exceeds ${MAX_PROFILE_BYTES} bytes`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Feature profiles of model versions (see docs/feature-profile.md): `feature_profile.json`
 * in the directory the version's source points at, else at its run's artifact root.
 * A version's files never change, so a found profile is kept for good.
 *
 * @internal
 */
export function artifactBaselines(options: {
  models: DeployableModels;
  artifacts: ArtifactReader;
}): Baselines {
  const found = new Map<string, Baseline>();
  const missed = new Map<string, { at: number; baseline: Baseline }>();

  async function read(uri: string): Promise<string | undefined> {
    const local = /^file:(\/\/)?(\/.*)$/.exec(uri);
    if (local) {
      return readFile(local[2], 'utf8').catch(() => undefined);
    }
    const inStore = /^mlflow-artifacts:\/*(.*)$/.exec(uri);
    if (!inStore) return undefined;
    try {
      const { body } = await options.artifacts.get(inStore[1]);
      return await readBounded(body);
    } catch {
      return undefined;
    }
  }

  async function lookUp(modelName: string, version: number): Promise<Baseline> {
    const resolved = await options.models.resolveAsPlatform(modelName, {
      version: String(version),
    });
    if (!resolved)
      return { reason: `Version ${version} of ${modelName} not found` };
    const root = resolved.artifactUri.replace(/\/+$/, '');
    // The run's artifact root: the model directory's parent under `/artifacts`.
    const runRoot = /^(.*\/artifacts)\/.+$/.exec(root)?.[1];
    for (const dir of [root, runRoot].filter(Boolean) as string[]) {
      const text = await read(
        dir.startsWith('file:')
          ? `file://${join(
              dir.replace(/^file:(\/\/)?/, ''),
              FEATURE_PROFILE_FILE,
            )}`
          : `${dir}/${FEATURE_PROFILE_FILE}`,
      );
      if (text === undefined) continue;
      try {
        return { profile: parseFeatureProfile(JSON.parse(text)) };
      } catch (error) {
        return {
          reason: `${dir}/${FEATURE_PROFILE_FILE} is not a feature profile: ${
            (error as Error).message
          }`,
        };
      }
    }
    return {
      reason: `Version ${version} has no ${FEATURE_PROFILE_FILE} in ${root} or its run's artifacts; log one with the model (docs/feature-profile.md)`,
    };
  }

  return {
    async profileOf(modelName, version) {
      const key = `${modelName}/${version}`;
      const hit = found.get(key);
      if (hit) return hit;
      const miss = missed.get(key);
      if (miss && Date.now() - miss.at < MISS_TTL_MS) return miss.baseline;
      const baseline = await lookUp(modelName, version);
      if (baseline.profile) found.set(key, baseline);
      else missed.set(key, { at: Date.now(), baseline });
      return baseline;
    },
  };
}
