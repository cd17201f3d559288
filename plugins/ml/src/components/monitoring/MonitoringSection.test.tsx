import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { EndpointMonitoring } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { badRequest, refusal } from '../common/testData';
import { endpointMetrics } from '../deployments/testData';
import { makeProfile } from '../training/testData';
import { MonitoringSection } from './MonitoringSection';
import { makeMonitoring, monitoringSettings } from './testData';

function monitoringApi(monitoring: EndpointMonitoring = makeMonitoring()) {
  return {
    getEndpointMonitoring: jest.fn(async (_endpoint: string) => monitoring),
    getEndpointMetrics: jest.fn(
      async (_request: { endpoint: string; minutes?: number }) =>
        endpointMetrics,
    ),
    closeMonitoringAlert: jest.fn(async (alertId: string) => ({
      ...monitoring.alerts.find(alert => alert.id === alertId)!,
      status: 'closed' as const,
    })),
    setEndpointMonitoring: jest.fn(async () => monitoring),
    listProfiles: jest.fn(async () => [
      makeProfile({
        name: 'cpu-small',
        pools: ['cpu'],
        defaults: { gpus: 0 },
        limits: { maxGpus: 0 },
      }),
      makeProfile({
        name: 'gpu-a100',
        pools: ['a100'],
        defaults: { gpus: 1 },
        limits: { maxGpus: 8 },
      }),
    ]),
  } satisfies Partial<MlApi>;
}

function renderSection(api: Partial<MlApi>, canUpdate = true) {
  return renderInTestApp(
    <MonitoringSection
      endpoint="churn-prod"
      canUpdate={canUpdate}
      live={false}
    />,
    { mountedRoutes: { '/ml': rootRouteRef }, apis: [[mlApiRef, api]] },
  );
}

const cellsOf = (row: HTMLElement) =>
  [...(row as HTMLTableRowElement).cells].map(cell => cell.textContent);

const rowsOf = async (name: string) =>
  within(await screen.findByRole('table', { name }))
    .getAllByRole('row')
    .slice(1)
    .map(cellsOf);

describe('MonitoringSection', () => {
  it('shows the SLOs against their targets, alerts open first and drift per feature worst first', async () => {
    const api = monitoringApi();
    await renderSection(api);

    expect(await rowsOf('SLOs')).toEqual([
      ['p95 latency', '240 ms', 'at most 200 ms', 'breach'],
      ['Error rate', '1.0%', 'at most 2.0%', 'ok'],
    ]);
    expect(
      screen.getByText('620 requests, 6 errors in the last 15 minutes.'),
    ).toBeInTheDocument();

    const alerts = await rowsOf('alerts');
    expect(alerts.map(row => row.slice(0, 3))).toEqual([
      ['open', 'drift of age', 'v2'],
      ['closed', 'SLO p95 latency', 'v2'],
    ]);
    expect(alerts[0][6]).toBe('Close');
    expect(alerts[1][6]).toMatch(/by alice$/);
    expect(screen.getByRole('link', { name: 'job-42' })).toHaveAttribute(
      'href',
      '/ml/training/jobs/job-42',
    );

    expect(await rowsOf('drift per feature')).toEqual([
      ['age', 'numeric', '0.61', 'KS 0.31, p = 1.0e-7', 'alert'],
      ['plan', 'categorical', '0.14', 'χ² 31.2 (dof 2), p = 2.0e-7', 'warn'],
      ['prediction', 'numeric prediction', '0.05', 'KS 0.04, p = 0.41', 'ok'],
      ['tenure', 'numeric', '0.01', 'KS 0.04, p = 0.41', 'ok'],
    ]);
    // The worst feature is shown first; another on a click.
    expect(
      screen.getByRole('figure', { name: 'age: baseline and live' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('figure', { name: 'age: drift over time' }),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'plan' }));
    expect(
      await screen.findByRole('figure', { name: 'plan: baseline and live' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'plan' })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    expect(api.getEndpointMonitoring).toHaveBeenCalledWith('churn-prod');
  });

  it('charts the chosen range with the SLO target as a line', async () => {
    const api = monitoringApi();
    await renderSection(api);

    const latency = await screen.findByRole('figure', {
      name: 'Latency per version',
    });
    await waitFor(() =>
      expect(latency.textContent).toContain('SLO p95 200 ms'),
    );
    expect(api.getEndpointMetrics).toHaveBeenLastCalledWith({
      endpoint: 'churn-prod',
      minutes: 60,
    });
    fireEvent.click(screen.getByRole('button', { name: '7 d' }));
    await waitFor(() =>
      expect(api.getEndpointMetrics).toHaveBeenLastCalledWith({
        endpoint: 'churn-prod',
        minutes: 10080,
      }),
    );
    expect(screen.getByRole('button', { name: '7 d' })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
  });

  it('closes an open alert and loads the monitoring again', async () => {
    const api = monitoringApi();
    await renderSection(api);

    fireEvent.click(await screen.findByRole('button', { name: 'Close' }));
    await waitFor(() =>
      expect(api.closeMonitoringAlert).toHaveBeenCalledWith('al-2'),
    );
    await waitFor(() =>
      expect(api.getEndpointMonitoring).toHaveBeenCalledTimes(2),
    );
  });

  it("shows the server's refusal to close an alert", async () => {
    const api = {
      ...monitoringApi(),
      closeMonitoringAlert: jest.fn(async () => {
        throw await refusal({
          status: 403,
          statusText: 'Forbidden',
          name: 'NotAllowedError',
          message: "Only group:default/growth may change endpoint 'churn-prod'",
        });
      }),
    };
    await renderSection(api);

    fireEvent.click(await screen.findByRole('button', { name: 'Close' }));
    expect(
      await screen.findByText(
        "Could not close the alert: Only group:default/growth may change endpoint 'churn-prod'",
      ),
    ).toBeInTheDocument();
    expect(api.getEndpointMonitoring).toHaveBeenCalledTimes(1);
  });

  it('disables Close and Settings for a caller who does not own the endpoint', async () => {
    await renderSection(monitoringApi(), false);

    expect(await screen.findByRole('button', { name: 'Close' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Settings' })).toBeDisabled();
  });

  it('says what to do where there is nothing to show yet', async () => {
    await renderSection(
      monitoringApi(
        makeMonitoring({
          settings: { ...monitoringSettings, slo: undefined },
          slo: { windowMinutes: 5, requests: 0, errors: 0, breaches: [] },
          drift: undefined,
          driftHistory: [],
          alerts: [],
        }),
      ),
    );

    expect(
      await screen.findByText(/^No SLO set: an owner sets a p95 latency/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/^No alerts yet: an SLO breach or a drifting feature/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /^No drift window judged yet: drift is judged after 200 samples in a 60-minute window, and the router samples 10.0% of requests/,
      ),
    ).toBeInTheDocument();
  });

  it('says when the endpoint has had no traffic yet', async () => {
    const api = {
      ...monitoringApi(
        makeMonitoring({
          slo: { windowMinutes: 15, requests: 0, errors: 0, breaches: [] },
        }),
      ),
      getEndpointMetrics: jest.fn(async () => ({
        minutes: 60,
        stepMinutes: 1,
        versions: [{ version: '2', points: [] }],
      })),
    };
    await renderSection(api);

    expect(
      await screen.findByText(
        'No traffic in the last 15 minutes yet: the SLOs are judged on the requests the endpoint serves.',
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(
        'No requests in the last 60 minutes: the charts fill in as the endpoint is called.',
      ),
    ).toBeInTheDocument();
    expect(await rowsOf('SLOs')).toEqual([
      ['p95 latency', '—', 'at most 200 ms', 'not judged: too few requests'],
      ['Error rate', '—', 'at most 2.0%', 'not judged: too few requests'],
    ]);
  });

  it('says so when the served version has no feature profile, or drift detection is off', async () => {
    const api = monitoringApi(
      makeMonitoring({
        baseline: {
          found: false,
          version: '2',
          reason: 'its run logged no feature_profile.json',
        },
        drift: undefined,
        driftHistory: [],
      }),
    );
    const { unmount } = await renderSection(api);

    const warning = await screen.findByText(
      /^Version 2 has no feature profile: its run logged no feature_profile.json/,
    );
    expect(warning).toHaveTextContent('docs/feature-profile.md');
    unmount();

    await renderSection(
      monitoringApi(
        makeMonitoring({
          settings: {
            ...monitoringSettings,
            drift: { ...monitoringSettings.drift, enabled: false },
          },
        }),
      ),
    );
    expect(
      await screen.findByText(/^Drift detection is off for this endpoint/),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('table', { name: 'drift per feature' }),
    ).toBeNull();
  });

  it('edits the settings, refusing bad numbers before sending and showing the server refusal', async () => {
    const api = {
      ...monitoringApi(),
      setEndpointMonitoring: jest
        .fn()
        .mockRejectedValueOnce(
          await badRequest("Unknown training profile 'gpu-a100'"),
        )
        .mockResolvedValue(makeMonitoring()),
    };
    await renderSection(api);

    // Settings opens once there are settings to edit.
    await screen.findByRole('table', { name: 'SLOs' });
    fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    const dialog = await screen.findByRole('dialog');
    const save = within(dialog).getByRole('button', { name: 'Save' });
    const change = (label: string, value: string) =>
      fireEvent.change(within(dialog).getByLabelText(label), {
        target: { value },
      });

    change('PSI alert', '0.05');
    expect(
      within(dialog).getByText('At least the warning level'),
    ).toBeInTheDocument();
    expect(save).toBeDisabled();

    change('PSI alert', '0.3');
    change('p95 latency (ms)', '150');
    change('Error rate (%)', '');
    change('Requests sampled (%)', '25');
    fireEvent.mouseDown(
      within(dialog).getByLabelText('On a drift alert, retrain on'),
    );
    fireEvent.click(
      within(await screen.findByRole('listbox')).getByText('profile gpu-a100'),
    );
    expect(save).toBeEnabled();
    fireEvent.click(save);

    expect(
      await within(dialog).findByText("Unknown training profile 'gpu-a100'"),
    ).toBeInTheDocument();
    expect(api.setEndpointMonitoring).toHaveBeenCalledWith({
      endpoint: 'churn-prod',
      settings: {
        slo: { p95Ms: 150, windowMinutes: 15 },
        drift: {
          ...monitoringSettings.drift,
          sampleRate: 0.25,
          thresholds: { psiWarn: 0.1, psiAlert: 0.3, pValue: 0.01 },
        },
        retraining: { profile: 'gpu-a100' },
      },
    });

    fireEvent.click(save);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() =>
      expect(api.getEndpointMonitoring).toHaveBeenCalledTimes(2),
    );
  });
});
