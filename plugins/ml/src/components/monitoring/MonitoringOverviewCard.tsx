import { useApi } from '@backstage/frontend-plugin-api';
import { MonitoredEndpoint } from '@ml-portal/plugin-ml-common';
import { mlApiRef } from '../../api/MlApi';
import { formatTime } from '../common/format';
import { LiveTableCard } from '../common/LiveTableCard';
import { OwnerLink } from '../common/OwnerLink';
import { EndpointLink } from '../deployments/EndpointLink';
import { alertSubject } from './monitoringFormat';
import { MonitoringChip } from './MonitoringChip';

/**
 * The endpoints the signed-in user may read that breach an SLO or drift, each
 * linking to its endpoint page with what its open alerts are about.
 *
 * @internal
 */
export function MonitoringOverviewCard() {
  const mlApi = useApi(mlApiRef);
  return (
    <LiveTableCard<MonitoredEndpoint>
      title="Monitoring"
      subheader="Endpoints in breach of an SLO or drifting"
      load={() => mlApi.getMonitoringOverview()}
      deps={[mlApi]}
      errorTitle="Could not load the monitoring"
      label="endpoints needing attention"
      rowKey={endpoint => endpoint.endpoint}
      empty="All endpoints within their SLOs, no drift."
      columns={[
        {
          title: 'Endpoint',
          render: e => <EndpointLink name={e.endpoint} />,
        },
        { title: 'Model', render: e => e.modelName },
        { title: 'Owner', render: e => <OwnerLink owner={e.owner} /> },
        {
          title: 'Status',
          render: e => <MonitoringChip status={e.status} />,
        },
        {
          title: 'Open alerts',
          wrap: true,
          render: e =>
            e.openAlerts
              .map(
                alert =>
                  `${alertSubject(alert)} since ${formatTime(alert.openedAt)}`,
              )
              .join('; '),
        },
      ]}
    />
  );
}
