import { InputError } from '@backstage/errors';
import { LineageNodeRef } from '@ml-portal/plugin-ml-common';
import { LineageFact } from './lineage';

/**
 * The run tag through which unchanged MLflow clients declare the feature views a run
 * read: comma-separated `<project>/<name>`.
 *
 * @internal
 */
export const FEATURE_VIEWS_TAG = 'mlplatform.feature_views';

const FEATURE_VIEW_REF = /^[^\s/,]+\/[^\s/,]+$/;

/**
 * The feature views named by the feature views tag among `tags` (none when absent);
 * InputError names a malformed entry, so the tag is refused with its batch.
 *
 * @internal
 */
export function featureViewsFromTags(
  tags: ReadonlyArray<{ key: string; value: string }>,
): string[] {
  const refs = tags
    .filter(tag => tag.key === FEATURE_VIEWS_TAG)
    .flatMap(tag => tag.value.split(','))
    .map(ref => ref.trim())
    .filter(ref => ref !== '');
  for (const ref of refs) {
    if (!FEATURE_VIEW_REF.test(ref)) {
      throw new InputError(
        `Invalid value '${ref}' in tag '${FEATURE_VIEWS_TAG}': expected comma-separated <project>/<name>`,
      );
    }
  }
  return [...new Set(refs)];
}

/** `feature_view input_to <target>` for each feature view. @internal */
export function featureViewInputs(
  featureViews: string[],
  target: LineageNodeRef,
): LineageFact[] {
  return featureViews.map(id => ({
    from: { kind: 'feature_view', id },
    to: target,
    relation: 'input_to',
  }));
}
