import { useApi } from '@backstage/frontend-plugin-api';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import { useState } from 'react';
import { mlApiRef } from '../../api/MlApi';
import { GridCard } from '../common/GridCard';
import { Loaded } from '../common/Loaded';
import { useLiveAsync } from '../common/usePolledAsync';
import { NO_UPDATE_REASON } from '../deployments/ConfirmButton';
import { GuardedButton } from '../common/GuardedButton';
import { EndpointCharts } from '../deployments/EndpointCharts';
import { AlertsTable } from './AlertsTable';
import { DriftPanel } from './DriftPanel';
import { METRIC_RANGES } from './monitoringFormat';
import { MonitoringSettingsDialog } from './MonitoringSettingsDialog';
import { SloStatus } from './SloStatus';

/** Why Settings is disabled: not an owner, or nothing loaded to edit yet. */
function settingsDisabledReason(canUpdate: boolean, loaded: unknown) {
  if (!canUpdate) return NO_UPDATE_REASON;
  return loaded === undefined ? 'The monitoring has not loaded' : undefined;
}

/** How far back the charts look: 1 h, 24 h, 7 d or 30 d. */
function RangePicker(props: {
  minutes: number;
  onChange: (minutes: number) => void;
}) {
  return (
    <ToggleButtonGroup
      size="small"
      exclusive
      aria-label="range"
      value={props.minutes}
      onChange={(_event, minutes: number | null) => {
        // A click on the chosen range would clear it.
        if (minutes !== null) props.onChange(minutes);
      }}
    >
      {METRIC_RANGES.map(range => (
        <ToggleButton key={range.minutes} value={range.minutes}>
          {range.label}
        </ToggleButton>
      ))}
    </ToggleButtonGroup>
  );
}

/**
 * The endpoint page's monitoring cards (they sit in its grid): latency and
 * errors over a chosen range with the SLO lines, the SLO status and settings,
 * alerts, and drift per feature against the training baseline.
 *
 * @internal
 */
export function MonitoringSection(props: {
  endpoint: string;
  /** The caller is one of the endpoint's owners (the server checks again). */
  canUpdate: boolean;
  /** The endpoint is changing: the charts load again while it does. */
  live: boolean;
}) {
  const { endpoint, canUpdate, live } = props;
  const mlApi = useApi(mlApiRef);
  const [minutes, setMinutes] = useState<number>(METRIC_RANGES[0].minutes);
  const [editing, setEditing] = useState(false);
  const monitoring = useLiveAsync(
    () => mlApi.getEndpointMonitoring(endpoint),
    [mlApi, endpoint],
  );
  const value = monitoring.value;
  const errorTitle = "Could not load the endpoint's monitoring";
  return (
    <>
      <GridCard
        title="Latency and errors"
        action={<RangePicker minutes={minutes} onChange={setMinutes} />}
      >
        <EndpointCharts
          endpoint={endpoint}
          live={live}
          minutes={minutes}
          slo={value?.settings.slo}
        />
      </GridCard>
      <GridCard
        md={5}
        title="SLOs"
        action={
          <GuardedButton
            label="Settings"
            onClick={() => setEditing(true)}
            disabledReason={settingsDisabledReason(canUpdate, value)}
          />
        }
      >
        <Loaded state={monitoring} errorTitle={errorTitle}>
          {current => <SloStatus monitoring={current} />}
        </Loaded>
      </GridCard>
      <GridCard md={7} title="Alerts">
        <Loaded state={monitoring} errorTitle={errorTitle}>
          {current => (
            <AlertsTable
              alerts={current.alerts}
              canUpdate={canUpdate}
              onChanged={monitoring.retry}
            />
          )}
        </Loaded>
      </GridCard>
      <GridCard title="Drift">
        <Loaded state={monitoring} errorTitle={errorTitle}>
          {current => <DriftPanel monitoring={current} />}
        </Loaded>
      </GridCard>
      {editing && value && (
        <MonitoringSettingsDialog
          endpoint={endpoint}
          settings={value.settings}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            monitoring.retry();
          }}
        />
      )}
    </>
  );
}
