import { Route, Routes } from 'react-router-dom';
import { DatasetPage } from './DatasetPage';
import { DatasetsListPage } from './DatasetsListPage';

/**
 * The Datasets tab of the ML Platform page, mounted at `datasets/*`: the
 * datasets runs read, and one dataset with its lineage (`datasets/<id>`, the
 * path lineage nodes and catalog entities of datasets point at).
 *
 * @internal
 */
export function DatasetsTab() {
  return (
    <Routes>
      <Route index element={<DatasetsListPage />} />
      <Route path=":id" element={<DatasetPage />} />
    </Routes>
  );
}
