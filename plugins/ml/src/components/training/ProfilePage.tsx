import { Content, StructuredMetadataTable } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/frontend-plugin-api';
import Grid from '@mui/material/Grid';
import { TrainingProfile } from '@ml-portal/plugin-ml-common';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatTime, MISSING } from '../common/format';
import { GridCard } from '../common/GridCard';
import { Loaded } from '../common/Loaded';
import { OwnerLink } from '../common/OwnerLink';
import { PageTrail } from '../common/PageTrail';
import { ownerGroupsOf } from '../common/teams';
import { GuardedButton } from '../common/GuardedButton';
import { profileMaxGpus } from './jobSpecForm';
import { ProfileSummary } from './ProfileSummary';
import { PublishProfileDialog } from './PublishProfileDialog';

/** Why Publish is disabled for someone outside the owner group. @internal */
export const NOT_PROFILE_OWNER_REASON =
  "Only the profile's owner group (the platform team) publishes its versions";

/** Who made a version: a user through the portal, or config at start. */
const madeBy = (version: TrainingProfile) =>
  version.source === 'config' ? 'config' : version.createdBy ?? MISSING;

const versionColumns: DataColumn<TrainingProfile>[] = [
  { title: 'Version', render: v => `v${v.version}` },
  { title: 'Made', render: v => formatTime(v.createdAt) },
  { title: 'By', render: madeBy },
  { title: 'Pools', render: v => v.pools.join(', ') },
  { title: 'Max GPUs', render: v => profileMaxGpus(v) ?? MISSING },
  { title: 'Spot', render: v => v.spotPolicy },
  {
    title: 'Max cost per job',
    render: v =>
      v.limits.maxCostPerJobUsd !== undefined
        ? `$${v.limits.maxCostPerJobUsd}`
        : MISSING,
  },
  { title: 'Owner', render: v => <OwnerLink owner={v.owner} /> },
];

/**
 * A training profile: its current version, and every version jobs may have been
 * submitted with (a job names its version). The catalog's profile entities link here.
 * Members of its owner group (the platform team) publish the next version from here;
 * the server checks `ml.trainingProfile.update` again.
 *
 * @internal
 */
export function ProfilePage() {
  const { name = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const identityApi = useApi(identityApiRef);
  const versions = useAsyncRetry(
    () => mlApi.listProfileVersions(name),
    [mlApi, name],
  );
  const groups = useAsync(() => ownerGroupsOf(identityApi), [identityApi]);
  const [publishing, setPublishing] = useState(false);
  return (
    <Content>
      <PageTrail
        crumbs={[{ label: 'Training', to: '../..' }, { label: name }]}
      />
      <Loaded state={versions} errorTitle="Could not load the training profile">
        {([current, ...earlier]) => (
          <Grid container spacing={3}>
            <GridCard
              md={6}
              title={`${current.name} v${current.version}`}
              action={
                <GuardedButton
                  label="Publish a new version"
                  onClick={() => setPublishing(true)}
                  disabledReason={
                    groups.value?.includes(current.owner)
                      ? undefined
                      : NOT_PROFILE_OWNER_REASON
                  }
                />
              }
            >
              <ProfileSummary profile={current} />
              {publishing && (
                <PublishProfileDialog
                  base={current}
                  onClose={() => setPublishing(false)}
                  onPublished={() => {
                    setPublishing(false);
                    versions.retry();
                  }}
                />
              )}
            </GridCard>
            <GridCard md={6} title="Ownership">
              <StructuredMetadataTable
                metadata={{
                  owner: <OwnerLink owner={current.owner} />,
                  version: current.version,
                  changed: `${formatTime(current.createdAt)} by ${madeBy(
                    current,
                  )}`,
                }}
              />
            </GridCard>
            <GridCard
              title="Versions"
              subheader="Jobs keep the version they were submitted with"
            >
              <DataTable
                label="profile versions"
                columns={versionColumns}
                rows={[current, ...earlier]}
                rowKey={v => String(v.version)}
                empty="No versions"
              />
            </GridCard>
          </Grid>
        )}
      </Loaded>
    </Content>
  );
}
