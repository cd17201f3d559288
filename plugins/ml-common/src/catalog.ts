/**
 * Annotation on a catalog entity naming the registered model it serves or produces,
 * e.g. `ml.platform/model: churn-classifier`.
 *
 * @public
 */
export const ML_MODEL_ANNOTATION = 'ml.platform/model';
