import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { SpendItem } from '@ml-portal/plugin-ml-common';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { useMlPaths } from '../common/mlPaths';

/**
 * A run's page lives under its experiment, which a spend item does not name:
 * look the run up, and show its name without a link until then or if that fails.
 *
 * @internal
 */
export function RunLink(props: { runId: string; label: string }) {
  const { runId, label } = props;
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const run = useAsync(() => mlApi.getRun(runId), [mlApi, runId]);
  if (!paths || !run.value) return <>{label}</>;
  return (
    <Link to={paths.run(run.value.info.experimentId, runId)}>{label}</Link>
  );
}

/** A training job's name, linking to its page. @internal */
export function JobLink(props: { jobId: string; label: string }) {
  const paths = useMlPaths();
  if (!paths) return <>{props.label}</>;
  return <Link to={paths.job(props.jobId)}>{props.label}</Link>;
}

/** The name of a job, run or experiment, linking to its page. @internal */
export function SpendItemLink(props: { item: SpendItem }) {
  const { item } = props;
  const paths = useMlPaths();
  const label = item.name || item.id;
  if (!paths) return <>{label}</>;
  switch (item.kind) {
    case 'job':
      return <JobLink jobId={item.id} label={label} />;
    case 'experiment':
      return <Link to={paths.experiment(item.id)}>{label}</Link>;
    case 'run':
      return <RunLink runId={item.id} label={label} />;
    default:
      return <>{label}</>;
  }
}
