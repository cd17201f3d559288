import { useApi } from '@backstage/frontend-plugin-api';
import { Endpoint, EndpointMonitoring } from '@ml-portal/plugin-ml-common';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataTable } from '../common/DataTable';
import { formatTime } from '../common/format';
import { Loaded } from '../common/Loaded';
import { MutedText } from '../common/MutedText';
import { EndpointLink } from '../deployments/EndpointLink';
import { serverMessage } from '../common/serverError';
import { MonitoringChip } from './MonitoringChip';
import { windowStatus, worstFirst } from './monitoringFormat';

type Row = {
  endpoint: string;
  monitoring?: EndpointMonitoring;
  error?: Error;
};

/** What the latest drift of `version` on one endpoint says, in a cell. */
function LatestDrift(props: { row: Row; version: string }) {
  const { row, version } = props;
  if (row.error) {
    return <MutedText>Could not load: {serverMessage(row.error)}</MutedText>;
  }
  const { settings, baseline, driftHistory } = row.monitoring!;
  if (!settings.drift.enabled)
    return <MutedText>drift detection off</MutedText>;
  if (baseline.version === version && !baseline.found) {
    return <MutedText>no feature profile to compare with</MutedText>;
  }
  // The newest window this version was judged in (another may serve now).
  const latest = [...driftHistory]
    .filter(window => window.version === version)
    .sort((a, b) => b.windowEnd - a.windowEnd)[0];
  if (!latest) return <MutedText>no window judged yet</MutedText>;
  const drifting = worstFirst(latest.features)
    .filter(f => f.status !== 'ok')
    .map(f => f.feature);
  const what = drifting.length ? drifting.join(', ') : 'no feature drifts';
  return (
    <>
      <MonitoringChip status={windowStatus(latest)} />{' '}
      {`${what} (${latest.samples} samples to ${formatTime(latest.windowEnd)})`}
    </>
  );
}

/**
 * The endpoints serving a model version, each with the version's latest drift
 * against its training baseline and its open drift alerts.
 *
 * @internal
 */
export function VersionDrift(props: {
  endpoints: Endpoint[];
  version: string;
}) {
  const { endpoints, version } = props;
  const mlApi = useApi(mlApiRef);
  const serving = endpoints
    .filter(endpoint =>
      endpoint.deployments.some(
        d => d.version === version && d.role !== 'retired',
      ),
    )
    .map(endpoint => endpoint.name);
  const rows = useAsync(async () => {
    const answers = await Promise.allSettled(
      serving.map(name => mlApi.getEndpointMonitoring(name)),
    );
    return answers.map(
      (answer, index): Row =>
        answer.status === 'fulfilled'
          ? { endpoint: serving[index], monitoring: answer.value }
          : { endpoint: serving[index], error: answer.reason as Error },
    );
  }, [mlApi, serving.join('\n')]);
  if (serving.length === 0) {
    return (
      <MutedText>
        This version serves on no endpoint: drift is measured on the endpoints
        that serve it.
      </MutedText>
    );
  }
  return (
    <Loaded state={rows} errorTitle="Could not load the endpoints' drift">
      {value => (
        <DataTable<Row>
          label="drift per endpoint"
          rows={value}
          rowKey={row => row.endpoint}
          empty=""
          columns={[
            {
              title: 'Endpoint',
              render: row => <EndpointLink name={row.endpoint} />,
            },
            {
              title: 'Latest drift',
              wrap: true,
              render: row => <LatestDrift row={row} version={version} />,
            },
            {
              title: 'Open drift alerts',
              align: 'right',
              render: row =>
                row.monitoring?.alerts.filter(
                  alert =>
                    alert.kind === 'drift' &&
                    alert.status === 'open' &&
                    alert.version === version,
                ).length ?? '',
            },
          ]}
        />
      )}
    </Loaded>
  );
}
