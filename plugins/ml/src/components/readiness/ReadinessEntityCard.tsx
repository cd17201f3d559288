import { InfoCard } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { ML_MODEL_ANNOTATION } from '@ml-portal/plugin-ml-common';
import { useMlPaths } from '../common/mlPaths';
import { ReadinessScorecard } from './ReadinessScorecard';

/**
 * The production-readiness scorecard of the model an `ml-model` entity names, on
 * its catalog page.
 *
 * @internal
 */
export function ReadinessEntityCard() {
  const { entity } = useEntity();
  const name = entity.metadata.annotations?.[ML_MODEL_ANNOTATION] ?? '';
  const paths = useMlPaths();
  return (
    <InfoCard
      title="Production readiness"
      subheader={name}
      deepLink={
        paths
          ? {
              title: 'All models’ readiness',
              link: paths.relative('readiness'),
            }
          : undefined
      }
    >
      <ReadinessScorecard name={name} />
    </InfoCard>
  );
}
