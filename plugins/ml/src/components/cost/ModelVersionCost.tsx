import { Link, StructuredMetadataTable } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@mui/material/Box';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataTable } from '../common/DataTable';
import { Loaded } from '../common/Loaded';
import { useMlPaths } from '../common/mlPaths';
import { MutedText } from '../common/MutedText';
import { formatMoney } from './money';
import { RunLink } from './SpendItemLink';
import { TeamFilterLink } from './TeamFilterLink';

/** Replica time in hours, e.g. `48 replica-h` (request time for serverless). */
const replicaHours = (seconds: number) =>
  `${(seconds / 3600).toLocaleString('en-US', {
    maximumFractionDigits: seconds < 36_000 ? 1 : 0,
  })} replica-h`;

function EndpointLink(props: { name: string }) {
  const paths = useMlPaths();
  if (!paths) return <>{props.name}</>;
  return <Link to={paths.endpoint(props.name)}>{props.name}</Link>;
}

/**
 * What a model version cost: the GPU time of the training runs in its lineage
 * plus what the endpoints serving it cost, each listed.
 *
 * @internal
 */
export function ModelVersionCost(props: { name: string; version: string }) {
  const { name, version } = props;
  const mlApi = useApi(mlApiRef);
  const state = useAsync(
    () => mlApi.getModelVersionCost({ name, version }),
    [mlApi, name, version],
  );
  return (
    <Loaded state={state} errorTitle="Could not load the version's cost">
      {cost => (
        <>
          <StructuredMetadataTable
            metadata={{
              training: formatMoney(cost.trainingMicros),
              serving: formatMoney(cost.servingMicros),
              total: formatMoney(cost.totalMicros),
            }}
          />
          {cost.partial && (
            <MutedText>
              Some of this version's spend is another team's that you may not
              read; it is left out.
            </MutedText>
          )}
          <Box sx={{ mt: 2 }}>
            <DataTable
              label="training runs cost"
              rows={cost.runs}
              rowKey={run => run.runId}
              emptyAs="text"
              empty="No run in this version's lineage used metered GPU time."
              columns={[
                {
                  title: 'Run',
                  render: run => (
                    <RunLink runId={run.runId} label={run.runId} />
                  ),
                },
                {
                  title: 'Training',
                  align: 'right',
                  render: run => formatMoney(run.costMicros),
                },
              ]}
            />
          </Box>
          <Box sx={{ mt: 2 }}>
            <DataTable
              label="serving cost"
              rows={cost.endpoints}
              rowKey={e => `${e.endpoint} ${e.team}`}
              emptyAs="text"
              empty="No endpoint has served this version for a metered hour yet."
              columns={[
                {
                  title: 'Endpoint',
                  render: e => <EndpointLink name={e.endpoint} />,
                },
                {
                  title: 'Team',
                  render: e => <TeamFilterLink team={e.team} />,
                },
                {
                  title: 'Replica time',
                  align: 'right',
                  render: e => replicaHours(e.replicaSeconds),
                },
                {
                  title: 'Serving',
                  align: 'right',
                  render: e => formatMoney(e.costMicros),
                },
              ]}
            />
          </Box>
        </>
      )}
    </Loaded>
  );
}
