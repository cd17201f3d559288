import { useApi } from '@backstage/frontend-plugin-api';
import { PromotionRequest } from '@ml-portal/plugin-ml-common';
import { mlApiRef } from '../../api/MlApi';
import { LiveTableCard } from '../common/LiveTableCard';
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
  return (
    <LiveTableCard<PromotionRequest>
      title="Awaiting your approval"
      subheader="Promotions to protected aliases you may decide"
      load={() => mlApi.listPromotions({ status: 'PENDING', mine: true })}
      deps={[mlApi]}
      errorTitle="Could not list promotion requests"
      label="promotions awaiting approval"
      rowKey={request => request.id}
      empty="Nothing waits for you: requests you may decide appear here."
      columns={[
        {
          title: 'Model',
          render: r => <ModelLink name={r.modelName} />,
        },
        {
          title: 'Move',
          render: r => (
            <>
              {r.alias} → <VersionLink name={r.modelName} version={r.version} />
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
  );
}
