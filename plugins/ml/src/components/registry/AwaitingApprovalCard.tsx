import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { PromotionRequest } from '@ml-portal/plugin-ml-common';
import { useLiveAsync } from '../common/usePolledAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataTable } from '../common/DataTable';
import { Loaded } from '../common/Loaded';
import { formatTime } from '../common/format';
import { ModelLink, VersionLink } from './registryLinks';

/**
 * The promotion requests the signed-in user may decide, newest first, each linking to
 * its model's page where it is approved or rejected.
 *
 * @internal
 */
export function AwaitingApprovalCard() {
  const mlApi = useApi(mlApiRef);
  const requests = useLiveAsync(
    () => mlApi.listPromotions({ status: 'PENDING', mine: true }),
    [mlApi],
  );
  return (
    <InfoCard
      title="Awaiting your approval"
      subheader="Promotions to protected aliases you may decide"
    >
      <Loaded state={requests} errorTitle="Could not list promotion requests">
        {value => (
          <DataTable<PromotionRequest>
            label="promotions awaiting approval"
            rows={value}
            rowKey={request => request.id}
            empty="Nothing waits for you: requests you may decide appear here."
            emptyAs="text"
            columns={[
              {
                title: 'Model',
                render: r => <ModelLink name={r.modelName} />,
              },
              {
                title: 'Move',
                render: r => (
                  <>
                    {r.alias} →{' '}
                    <VersionLink name={r.modelName} version={r.version} />
                  </>
                ),
              },
              { title: 'Requested by', render: r => r.requestedBy },
              { title: 'When', render: r => formatTime(r.requestedAt) },
              {
                title: 'Gates',
                render: r =>
                  r.gates.every(g => g.passed)
                    ? 'passed'
                    : `${r.gates.filter(g => !g.passed).length} failing`,
              },
              { title: 'Reason', render: r => r.reason ?? '', wrap: true },
            ]}
          />
        )}
      </Loaded>
    </InfoCard>
  );
}
