import { Route, Routes } from 'react-router-dom';
import { DeploymentsListPage } from './DeploymentsListPage';
import { EndpointPage } from './EndpointPage';
import { PipelinePage } from './PipelinePage';

/**
 * The Deployments tab of the ML Platform page, mounted at `deployments/*`: the
 * endpoints, one endpoint, and a model's pipeline.
 *
 * @internal
 */
export function DeploymentsTab() {
  return (
    <Routes>
      <Route index element={<DeploymentsListPage />} />
      <Route path="pipelines/:name" element={<PipelinePage />} />
      <Route path=":endpoint" element={<EndpointPage />} />
    </Routes>
  );
}
