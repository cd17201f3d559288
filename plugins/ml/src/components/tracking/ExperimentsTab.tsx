import { Route, Routes } from 'react-router-dom';
import { ComparePage } from './ComparePage';
import { ExperimentPage } from './ExperimentPage';
import { ExperimentsListPage } from './ExperimentsListPage';
import { RunPage } from './RunPage';

/**
 * The Experiments tab of the ML Platform page, mounted at `experiments/*`:
 * the list, one experiment's runs, one run, and a comparison of runs.
 *
 * @internal
 */
export function ExperimentsTab() {
  return (
    <Routes>
      <Route index element={<ExperimentsListPage />} />
      <Route path=":experimentId">
        <Route index element={<ExperimentPage />} />
        <Route path="runs/:runId" element={<RunPage />} />
        <Route path="compare" element={<ComparePage />} />
      </Route>
    </Routes>
  );
}
