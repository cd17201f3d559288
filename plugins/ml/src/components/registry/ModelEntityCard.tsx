import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ML_MODEL_ANNOTATION,
  RegisteredModelDetails,
} from '@ml-portal/plugin-ml-common';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { CardList } from '../common/CardList';
import { formatTime } from '../common/format';
import { Loaded } from '../common/Loaded';
import { useMlPaths } from '../common/mlPaths';
import { MutedText } from '../common/MutedText';
import { AliasChips } from './AliasChips';
import { MetricValues } from './MetricValues';
import { featuredVersion, newestFirst } from './registryFormat';
import { VersionLink } from './registryLinks';
import { VersionStatus } from './VersionStatus';

/** How many versions the card lists. @internal */
export const CARD_VERSIONS = 3;

/** How many metrics of the featured version the card shows. */
const CARD_METRICS = 6;

function FeaturedVersion(props: { model: RegisteredModelDetails }) {
  const { model } = props;
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const featured = featuredVersion(model.aliases, model.versions);
  const details = useAsync(
    async () =>
      featured &&
      mlApi.getModelVersion({ name: model.name, version: featured.version }),
    [mlApi, model.name, featured?.version],
  );
  if (!featured) {
    return <MutedText>No versions yet.</MutedText>;
  }
  let metrics;
  if (details.loading) {
    metrics = <Progress />;
  } else if (details.error) {
    metrics = (
      <Typography variant="body2" color="error">
        Could not load its metrics: {details.error.message}
      </Typography>
    );
  } else {
    metrics = (
      <MetricValues
        label="featured version metrics"
        metrics={details.value?.metrics ?? {}}
        emptyText="Its source run logged no metrics."
        limit={CARD_METRICS}
      />
    );
  }
  return (
    <Box sx={{ mt: 2 }}>
      <Typography variant="subtitle2">
        Version {featured.version}
        {featured.aliases.length > 0 ? ` (${featured.aliases.join(', ')})` : ''}
      </Typography>
      {metrics}
      {paths && (
        <Typography variant="body2" sx={{ mt: 1 }}>
          <Link to={paths.modelVersion(model.name, featured.version)}>
            Lineage and audit of version {featured.version}
          </Link>
        </Typography>
      )}
    </Box>
  );
}

function RecentVersions(props: { model: RegisteredModelDetails }) {
  const { model } = props;
  const recent = newestFirst(model.versions).slice(0, CARD_VERSIONS);
  if (recent.length === 0) return null;
  return (
    <CardList title="Recent versions">
      {recent.map(version => (
        <li key={version.version}>
          <Typography variant="body2" component="div">
            <VersionLink name={model.name} version={version.version} /> ·{' '}
            {formatTime(version.creationTimestamp)}
            {version.status !== 'READY' && (
              <>
                {' '}
                · <VersionStatus status={version.status} />
              </>
            )}
          </Typography>
        </li>
      ))}
    </CardList>
  );
}

/**
 * The registered model an entity names (`ml.platform/model`): its aliases, recent
 * versions, and the metrics of the version in production (or the newest).
 *
 * @internal
 */
export function ModelEntityCard() {
  const { entity } = useEntity();
  const name = entity.metadata.annotations?.[ML_MODEL_ANNOTATION] ?? '';
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const model = useAsync(() => mlApi.getModel(name), [mlApi, name]);
  return (
    <InfoCard
      title="ML model"
      subheader={name}
      deepLink={
        paths ? { title: 'Open the model', link: paths.model(name) } : undefined
      }
    >
      <Loaded state={model} errorTitle={`Could not load the model ${name}`}>
        {details => (
          <>
            {details.description && (
              <Typography variant="body2" paragraph>
                {details.description}
              </Typography>
            )}
            <AliasChips
              aliases={details.aliases}
              protectedAliases={details.protectedAliases}
              emptyText="No aliases."
            />
            <FeaturedVersion model={details} />
            <RecentVersions model={details} />
          </>
        )}
      </Loaded>
    </InfoCard>
  );
}
