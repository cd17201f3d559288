import { EndpointMonitoring } from '@ml-portal/plugin-ml-common';
import { DataTable } from '../common/DataTable';
import { MutedText } from '../common/MutedText';
import { formatLatency, formatPercent } from '../deployments/deploymentFormat';
import { MonitoringChip } from './MonitoringChip';

type SloRow = {
  name: string;
  breach: string;
  current?: number;
  target?: number;
  format: (value: number | undefined) => string;
};

/**
 * The endpoint's SLOs: p95 latency and error rate over the SLO window against
 * their targets, and which are breached.
 *
 * @internal
 */
export function SloStatus(props: { monitoring: EndpointMonitoring }) {
  const { settings, slo } = props.monitoring;
  const targets = settings.slo;
  if (
    !targets ||
    (targets.p95Ms === undefined && targets.errorRate === undefined)
  ) {
    return (
      <MutedText>
        No SLO set: an owner sets a p95 latency or error-rate target in the
        monitoring settings, and a breach opens an alert to the owner group.
      </MutedText>
    );
  }
  const rows: SloRow[] = [
    {
      name: 'p95 latency',
      breach: 'p95',
      current: slo.p95Ms,
      target: targets.p95Ms,
      format: formatLatency,
    },
    {
      name: 'Error rate',
      breach: 'error_rate',
      current: slo.errorRate,
      target: targets.errorRate,
      format: formatPercent,
    },
  ].filter(row => row.target !== undefined);
  return (
    <>
      <MutedText paragraph>
        {slo.requests === 0
          ? `No traffic in the last ${slo.windowMinutes} minutes yet: the SLOs are judged on the requests the endpoint serves.`
          : `${slo.requests} requests, ${slo.errors} errors in the last ${slo.windowMinutes} minutes.`}
      </MutedText>
      <DataTable<SloRow>
        label="SLOs"
        rows={rows}
        rowKey={row => row.breach}
        empty=""
        columns={[
          { title: 'SLO', render: row => row.name },
          {
            title: 'Now',
            align: 'right',
            render: row => row.format(row.current),
          },
          {
            title: 'Target',
            align: 'right',
            render: row => `at most ${row.format(row.target)}`,
          },
          {
            title: 'Status',
            render: row => {
              if (slo.breaches.includes(row.breach)) {
                return <MonitoringChip status="breach" />;
              }
              // The server judges an SLO only on enough requests in its window.
              return row.current === undefined ? (
                <MutedText>not judged: too few requests</MutedText>
              ) : (
                <MonitoringChip status="ok" />
              );
            },
          },
        ]}
      />
    </>
  );
}
