import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Chip from '@mui/material/Chip';
import { CostRecommendation } from '@ml-portal/plugin-ml-common';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn, DataTable } from '../common/DataTable';
import { Loaded } from '../common/Loaded';
import { formatMoney } from './money';
import { JobLink } from './SpendItemLink';
import { TeamFilterLink } from './TeamFilterLink';

const kindLabel: Record<CostRecommendation['kind'], string> = {
  'right-size': 'Right-size',
  'spot-candidate': 'Spot candidate',
};

const recommendationColumns: DataColumn<CostRecommendation>[] = [
  {
    title: 'Job',
    render: item => <JobLink jobId={item.jobId} label={item.jobName} />,
  },
  {
    title: 'Suggestion',
    render: item => (
      <Chip
        size="small"
        label={kindLabel[item.kind] ?? item.kind}
        color={item.kind === 'spot-candidate' ? 'secondary' : 'default'}
      />
    ),
  },
  { title: 'Team', render: item => <TeamFilterLink team={item.team} /> },
  {
    title: 'Pool',
    render: item =>
      item.suggestedPool ? `${item.pool} → ${item.suggestedPool}` : item.pool,
  },
  { title: 'Why', wrap: true, render: item => item.message },
  {
    title: 'Saving a month',
    align: 'right',
    render: item => formatMoney(item.monthlySavingsMicros),
  },
];

/** Right-sizing and spot suggestions from the jobs' own records, biggest saving first. @internal */
export function Recommendations(props: { team?: string }) {
  const { team } = props;
  const mlApi = useApi(mlApiRef);
  const recommendations = useAsync(
    () => mlApi.getCostRecommendations({ team }),
    [mlApi, team],
  );
  // A job can have both kinds of suggestion: count its larger saving once.
  const perJob = new Map<string, number>();
  for (const r of recommendations.value ?? []) {
    perJob.set(
      r.jobId,
      Math.max(perJob.get(r.jobId) ?? 0, r.monthlySavingsMicros),
    );
  }
  const total = [...perJob.values()].reduce((sum, saving) => sum + saving, 0);
  return (
    <InfoCard
      title="Recommendations"
      subheader={
        total
          ? `Up to ${formatMoney(total, { style: 'rounded' })} a month to save`
          : undefined
      }
    >
      <Loaded
        state={recommendations}
        errorTitle="Could not load the recommendations"
      >
        {value => (
          <DataTable
            label="recommendations"
            columns={recommendationColumns}
            rows={[...value].sort(
              (a, b) => b.monthlySavingsMicros - a.monthlySavingsMicros,
            )}
            rowKey={item => `${item.kind}:${item.jobId}`}
            emptyAs="text"
            empty="No recommendation: no recent job would run cheaper on a smaller pool or on spot capacity."
          />
        )}
      </Loaded>
    </InfoCard>
  );
}
