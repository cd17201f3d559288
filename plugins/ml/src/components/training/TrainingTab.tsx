import { Route, Routes } from 'react-router-dom';
import { JobPage } from './JobPage';
import { ProfilePage } from './ProfilePage';
import { SubmitJobPage } from './SubmitJobPage';
import { TrainingPage } from './TrainingPage';

/**
 * The Training tab of the ML Platform page, mounted at `training/*`: the pools
 * and jobs, the submit form, one job, and one training profile with its versions.
 *
 * @internal
 */
export function TrainingTab() {
  return (
    <Routes>
      <Route index element={<TrainingPage />} />
      <Route path="submit" element={<SubmitJobPage />} />
      <Route path="jobs/:jobId" element={<JobPage />} />
      <Route path="profiles/:name" element={<ProfilePage />} />
    </Routes>
  );
}
