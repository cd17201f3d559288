import { Route, Routes } from 'react-router-dom';
import { ModelPage } from './ModelPage';
import { ModelsListPage } from './ModelsListPage';
import { ModelVersionPage } from './ModelVersionPage';

/**
 * The Models tab of the ML Platform page, mounted at `models/*`: the registered
 * models, one model, and one version with its lineage.
 *
 * @internal
 */
export function ModelsTab() {
  return (
    <Routes>
      <Route index element={<ModelsListPage />} />
      <Route path=":name">
        <Route index element={<ModelPage />} />
        <Route path="versions/:version" element={<ModelVersionPage />} />
      </Route>
    </Routes>
  );
}
