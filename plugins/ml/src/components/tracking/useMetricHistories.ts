import { useApi } from '@backstage/frontend-plugin-api';
import { MetricHistory } from '@ml-portal/plugin-ml-common';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';

/**
 * The history of one metric for each of some runs, in the order of `runIds`,
 * downsampled on the server to at most `maxPoints` points each.
 *
 * @internal
 */
export function useMetricHistories(
  runIds: string[],
  metricKey: string,
  maxPoints: number,
) {
  const mlApi = useApi(mlApiRef);
  const runIdList = runIds.join(',');
  return useAsync(
    (): Promise<MetricHistory[]> =>
      Promise.all(
        runIdList
          .split(',')
          .map(runId =>
            mlApi.getMetricHistory({ runId, key: metricKey, maxPoints }),
          ),
      ),
    [mlApi, runIdList, metricKey, maxPoints],
  );
}
