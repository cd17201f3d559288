import { InfoCard, Link } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  Chip,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { CostRecommendation } from '@ml-portal/plugin-ml-common';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { Loaded } from '../common/Loaded';
import { useMlPaths } from '../common/mlPaths';
import { formatMoney } from './money';
import { TeamFilterLink } from './TeamFilterLink';

const kindLabel: Record<CostRecommendation['kind'], string> = {
  'right-size': 'Right-size',
  'spot-candidate': 'Spot candidate',
};

function RecommendationsTable(props: { items: CostRecommendation[] }) {
  const paths = useMlPaths();
  if (props.items.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No recommendation: no recent job would run cheaper on a smaller pool or
        on spot capacity.
      </Typography>
    );
  }
  return (
    <Box overflow="auto">
      <Table size="small" aria-label="recommendations">
        <TableHead>
          <TableRow>
            <TableCell>Job</TableCell>
            <TableCell>Suggestion</TableCell>
            <TableCell>Team</TableCell>
            <TableCell>Pool</TableCell>
            <TableCell>Why</TableCell>
            <TableCell align="right">Saving a month</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {props.items.map(item => (
            <TableRow key={`${item.kind}:${item.jobId}`}>
              <TableCell>
                {paths ? (
                  <Link to={paths.job(item.jobId)}>{item.jobName}</Link>
                ) : (
                  item.jobName
                )}
              </TableCell>
              <TableCell>
                <Chip
                  size="small"
                  label={kindLabel[item.kind] ?? item.kind}
                  color={
                    item.kind === 'spot-candidate' ? 'secondary' : 'default'
                  }
                />
              </TableCell>
              <TableCell>
                <TeamFilterLink team={item.team} />
              </TableCell>
              <TableCell>
                {item.suggestedPool
                  ? `${item.pool} → ${item.suggestedPool}`
                  : item.pool}
              </TableCell>
              <TableCell>{item.message}</TableCell>
              <TableCell align="right">
                {formatMoney(item.monthlySavingsMicros)}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

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
          <RecommendationsTable
            items={[...value].sort(
              (a, b) => b.monthlySavingsMicros - a.monthlySavingsMicros,
            )}
          />
        )}
      </Loaded>
    </InfoCard>
  );
}
