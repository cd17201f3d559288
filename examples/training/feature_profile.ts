/**
 * The feature profile the example training script logs with its model (the drift
 * baseline; docs/feature-profile.md has the format). The writer is the New training
 * project skeleton's, shared here: Scaffolder can only copy files from inside the
 * template's folder, so the template holds the one copy.
 */
export {
  FEATURE_PROFILE_FORMAT,
  featureProfile,
} from '../templates/training-project/skeleton/feature_profile.ts';
