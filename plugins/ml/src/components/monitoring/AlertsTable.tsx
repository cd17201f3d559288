import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { MonitoringAlert } from '@ml-portal/plugin-ml-common';
import Alert from '@mui/material/Alert';
import { useCallback, useState } from 'react';
import { mlApiRef } from '../../api/MlApi';
import { DataTable } from '../common/DataTable';
import { formatTime, MISSING } from '../common/format';
import { useMlPaths } from '../common/mlPaths';
import { NO_UPDATE_REASON } from '../deployments/ConfirmButton';
import { GuardedButton } from '../common/GuardedButton';
import { serverMessage } from '../common/serverError';
import { actorName } from '../registry/registryFormat';
import { alertSubject, openFirst } from './monitoringFormat';
import { MonitoringChip } from './MonitoringChip';

/** The retraining a drift alert started: its job, or why it could not start. */
function Retraining(props: { alert: MonitoringAlert }) {
  const { retrainingJobId, retrainingError } = props.alert;
  const paths = useMlPaths();
  if (retrainingJobId) {
    return paths ? (
      <Link to={paths.job(retrainingJobId)}>{retrainingJobId}</Link>
    ) : (
      <>{retrainingJobId}</>
    );
  }
  return <>{retrainingError ? `failed: ${retrainingError}` : MISSING}</>;
}

/**
 * An endpoint's alerts, open ones first and then their history, each open one
 * with Close for the owners; the server's refusal shows above the table.
 *
 * @internal
 */
export function AlertsTable(props: {
  alerts: MonitoringAlert[];
  canUpdate: boolean;
  onChanged: () => void;
}) {
  const { alerts, canUpdate, onChanged } = props;
  const mlApi = useApi(mlApiRef);
  const [closing, setClosing] = useState<string>();
  const [failure, setFailure] = useState<{ alertId: string; error: Error }>();
  const close = useCallback(
    async (alertId: string) => {
      setClosing(alertId);
      setFailure(undefined);
      try {
        await mlApi.closeMonitoringAlert(alertId);
        onChanged();
      } catch (error) {
        setFailure({ alertId, error: error as Error });
      } finally {
        setClosing(undefined);
      }
    },
    [mlApi, onChanged],
  );
  return (
    <>
      {failure && (
        <Alert severity="error" sx={{ mb: 1 }}>
          Could not close the alert: {serverMessage(failure.error)}
        </Alert>
      )}
      <DataTable<MonitoringAlert>
        label="alerts"
        rows={openFirst(alerts)}
        rowKey={alert => alert.id}
        empty="No alerts yet: an SLO breach or a drifting feature opens one here and notifies the owner group."
        emptyAs="text"
        columns={[
          {
            title: 'Status',
            render: alert => <MonitoringChip status={alert.status} />,
          },
          { title: 'About', render: alertSubject },
          {
            title: 'Version',
            render: alert => (alert.version ? `v${alert.version}` : MISSING),
          },
          { title: 'Opened', render: alert => formatTime(alert.openedAt) },
          { title: 'What', render: alert => alert.detail, wrap: true },
          {
            title: 'Retraining',
            render: alert => <Retraining alert={alert} />,
          },
          {
            title: 'Closed',
            render: alert =>
              alert.status === 'open' ? (
                <GuardedButton
                  label={closing === alert.id ? 'Closing…' : 'Close'}
                  onClick={() => close(alert.id)}
                  disabledReason={canUpdate ? undefined : NO_UPDATE_REASON}
                />
              ) : (
                `${formatTime(alert.closedAt)}${
                  alert.closedBy ? ` by ${actorName(alert.closedBy)}` : ''
                }`
              ),
          },
        ]}
      />
    </>
  );
}
