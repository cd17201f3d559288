import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import { Endpoint } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { refusal } from '../common/testData';
import { makeDeployment, makeEndpoint } from '../deployments/testData';
import { VersionDrift } from './VersionDrift';
import { makeMonitoring } from './testData';

function renderDrift(
  api: Partial<MlApi>,
  endpoints: Endpoint[],
  version = '2',
) {
  return renderInTestApp(
    <VersionDrift endpoints={endpoints} version={version} />,
    { mountedRoutes: { '/ml': rootRouteRef }, apis: [[mlApiRef, api]] },
  );
}

/** `churn-prod` (versions 2 and 3), `churn-eu` (version 2), `churn-old` (version 1). */
const endpoints = [
  makeEndpoint(),
  makeEndpoint({
    name: 'churn-eu',
    canary: undefined,
    deployments: [makeDeployment({ version: '2' })],
  }),
  makeEndpoint({
    name: 'churn-old',
    canary: undefined,
    deployments: [makeDeployment({ version: '1' })],
  }),
];

describe('VersionDrift', () => {
  it("shows the version's latest drift on each endpoint serving it", async () => {
    const api = {
      getEndpointMonitoring: jest.fn(async (name: string) => {
        if (name === 'churn-prod') return makeMonitoring();
        throw await refusal({
          status: 404,
          statusText: 'Not Found',
          name: 'NotFoundError',
          message: `Endpoint '${name}' not found`,
        });
      }),
    };
    await renderDrift(api, endpoints);

    const table = await screen.findByRole('table', {
      name: 'drift per endpoint',
    });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent(
      /^churn-prodalert age, plan \(480 samples to .+\)1$/,
    );
    expect(
      within(rows[0]).getByRole('link', { name: 'churn-prod' }),
    ).toHaveAttribute('href', '/ml/deployments/churn-prod');
    expect(rows[1]).toHaveTextContent(
      "churn-euCould not load: Endpoint 'churn-eu' not found",
    );
    expect(api.getEndpointMonitoring.mock.calls.map(([name]) => name)).toEqual([
      'churn-prod',
      'churn-eu',
    ]);
  });

  it('says when no window judged the version yet, the version has no profile, or it serves nowhere', async () => {
    const api = {
      getEndpointMonitoring: async (name: string) =>
        name === 'churn-prod'
          ? makeMonitoring()
          : makeMonitoring({
              endpoint: name,
              baseline: { found: false, version: '2', reason: 'none logged' },
              drift: undefined,
              driftHistory: [],
              alerts: [],
            }),
    };
    // Version 3 is the canary on churn-prod: every window judged version 2.
    const canary = await renderDrift(api, [endpoints[0]], '3');
    expect(
      await screen.findByRole('table', { name: 'drift per endpoint' }),
    ).toHaveTextContent('churn-prodno window judged yet0');
    canary.unmount();

    const noProfile = await renderDrift(api, [endpoints[1]]);
    expect(
      await screen.findByRole('table', { name: 'drift per endpoint' }),
    ).toHaveTextContent('churn-euno feature profile to compare with0');
    noProfile.unmount();

    await renderDrift(api, [endpoints[2]]);
    expect(
      await screen.findByText(/^This version serves on no endpoint/),
    ).toBeInTheDocument();
  });
});
