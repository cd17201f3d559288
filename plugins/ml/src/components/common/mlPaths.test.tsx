import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { rootRouteRef } from '../../routes';
import { useMlPaths } from './mlPaths';

function PathsProbe() {
  const paths = useMlPaths();
  if (!paths) return <span>no ML page</span>;
  const odd = 'a/b c%?#';
  return (
    <ul aria-label="paths">
      {[
        paths.experiment('7'),
        paths.run('7', 'r 1'),
        paths.models(),
        paths.model(odd),
        paths.modelVersion(odd, '3'),
        paths.datasets(),
        paths.dataset('ds 1/eu'),
        paths.job('job-1'),
        paths.featureView('drivers', 'driver stats'),
        paths.cost(),
        paths.cost({ team: 'group:default/ml', month: '2025-01' }),
        paths.relative('lineage/anything'),
      ].map(path => (
        <li key={path}>{path}</li>
      ))}
    </ul>
  );
}

describe('useMlPaths', () => {
  it('links to the pages under wherever the app mounts the ML page, one segment per name', async () => {
    await renderInTestApp(<PathsProbe />, {
      mountedRoutes: { '/platform/ml': rootRouteRef },
    });
    const items = (await screen.findAllByRole('listitem')).map(
      item => item.textContent,
    );
    expect(items).toEqual([
      '/platform/ml/experiments/7',
      '/platform/ml/experiments/7/runs/r%201',
      '/platform/ml/models',
      '/platform/ml/models/a%2Fb%20c%25%3F%23',
      '/platform/ml/models/a%2Fb%20c%25%3F%23/versions/3',
      '/platform/ml/datasets',
      '/platform/ml/datasets/ds%201%2Feu',
      '/platform/ml/training/jobs/job-1',
      '/platform/ml/features/views/drivers/driver%20stats',
      '/platform/ml/cost',
      '/platform/ml/cost?team=group%3Adefault%2Fml&month=2025-01',
      '/platform/ml/lineage/anything',
    ]);
  });

  it('is undefined where the app has no ML page', async () => {
    await renderInTestApp(<PathsProbe />);
    expect(await screen.findByText('no ML page')).toBeInTheDocument();
  });
});
