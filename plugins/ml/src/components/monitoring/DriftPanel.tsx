import { EndpointMonitoring, FeatureDrift } from '@ml-portal/plugin-ml-common';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Grid from '@mui/material/Grid';
import { useState } from 'react';
import { DataTable } from '../common/DataTable';
import { formatTime } from '../common/format';
import { MutedText } from '../common/MutedText';
import { formatPercent } from '../deployments/deploymentFormat';
import { DriftHistogram, DriftOverTime } from './DriftCharts';
import {
  FEATURE_PROFILE_DOC,
  formatStatistic,
  testSummary,
  thresholdsFor,
  worstFirst,
} from './monitoringFormat';
import { MonitoringChip } from './MonitoringChip';

/** Why there is no drift to show yet, in words that say what to do. */
function DriftPending(props: { monitoring: EndpointMonitoring }) {
  const { drift } = props.monitoring.settings;
  return (
    <MutedText>
      No drift window judged yet: drift is judged after {drift.minSamples}{' '}
      samples in a {drift.windowMinutes}-minute window, and the router samples{' '}
      {formatPercent(drift.sampleRate)} of requests (remote endpoints post
      theirs to the samples API).
    </MutedText>
  );
}

/** Whether the served version has the feature profile drift is measured against. */
function BaselineState(props: { baseline: EndpointMonitoring['baseline'] }) {
  const { baseline } = props;
  if (baseline.found) return null;
  return (
    <Alert severity="warning" sx={{ mb: 2 }}>
      {baseline.version
        ? `Version ${baseline.version} has no feature profile`
        : 'No feature profile to compare with'}
      {baseline.reason ? `: ${baseline.reason}` : ''}. Drift is measured against
      the <code>feature_profile.json</code> the training run logs next to the
      model (or in its artifacts); retrain with one to see drift. The format is
      documented in <code>{FEATURE_PROFILE_DOC}</code> in the portal's
      repository.
    </Alert>
  );
}

/**
 * Drift of the endpoint's live inputs and predictions against the served
 * version's training baseline: each feature of the latest window worst first,
 * and for the chosen one its baseline and live histograms and its drift over time.
 *
 * @internal
 */
export function DriftPanel(props: { monitoring: EndpointMonitoring }) {
  const { monitoring } = props;
  const { settings, drift, driftHistory, baseline } = monitoring;
  const [chosen, setChosen] = useState<string>();
  if (!settings.drift.enabled) {
    return (
      <MutedText>
        Drift detection is off for this endpoint: an owner turns it on in the
        monitoring settings.
      </MutedText>
    );
  }
  const features = worstFirst(drift?.features ?? []);
  const selected =
    features.find(feature => feature.feature === chosen) ?? features[0];
  return (
    <>
      <BaselineState baseline={baseline} />
      {!drift || features.length === 0 ? (
        <DriftPending monitoring={monitoring} />
      ) : (
        <>
          <MutedText paragraph>
            Version {drift.version}, {drift.samples} samples from{' '}
            {formatTime(drift.windowStart)} to {formatTime(drift.windowEnd)}.
          </MutedText>
          <DataTable<FeatureDrift>
            label="drift per feature"
            rows={features}
            rowKey={feature => feature.feature}
            empty=""
            columns={[
              {
                title: 'Feature',
                render: feature => (
                  <Button
                    size="small"
                    variant={feature === selected ? 'outlined' : 'text'}
                    aria-pressed={feature === selected}
                    onClick={() => setChosen(feature.feature)}
                    sx={{ textTransform: 'none' }}
                  >
                    {feature.feature}
                  </Button>
                ),
              },
              {
                title: 'Kind',
                render: feature =>
                  feature.prediction
                    ? `${feature.kind} prediction`
                    : feature.kind,
              },
              {
                title: 'PSI',
                align: 'right',
                render: feature => formatStatistic(feature.psi),
              },
              { title: 'Test', render: testSummary },
              {
                title: 'Status',
                render: feature => <MonitoringChip status={feature.status} />,
              },
            ]}
          />
          {selected && (
            <Grid container spacing={2} sx={{ mt: 1 }}>
              <Grid item xs={12} md={6}>
                <DriftHistogram drift={selected} />
              </Grid>
              <Grid item xs={12} md={6}>
                <DriftOverTime
                  feature={selected.feature}
                  history={driftHistory}
                  thresholds={thresholdsFor(settings, selected.feature)}
                />
              </Grid>
            </Grid>
          )}
        </>
      )}
    </>
  );
}
