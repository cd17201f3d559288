import { toSageMakerName } from './aws';

/**
 * The SageMaker `TrainingJobName` of an attempt's external name: unchanged when it
 * follows SageMaker's rule (`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`), else normalised with a
 * hash of the original (see `toPlatformName`).
 *
 * @public
 */
export function toTrainingJobName(externalName: string): string {
  return toSageMakerName(externalName);
}
