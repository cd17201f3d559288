import { Route, Routes } from 'react-router-dom';
import { FeatureCatalogPage } from './FeatureCatalogPage';
import { FeatureViewPage } from './FeatureViewPage';

/**
 * The Features tab of the ML Platform page, mounted at `features/*`: the
 * catalog of Feast feature views with the registry import, and one view.
 *
 * @internal
 */
export function FeaturesTab() {
  return (
    <Routes>
      <Route index element={<FeatureCatalogPage />} />
      <Route path="views/:project/:name" element={<FeatureViewPage />} />
    </Routes>
  );
}
