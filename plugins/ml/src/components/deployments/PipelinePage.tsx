import { Content, InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { Loaded } from '../common/Loaded';
import { useMlPaths } from '../common/mlPaths';
import { PageTrail } from '../common/PageTrail';
import { PipelineView } from './PipelineView';

/** One model's promotion pipeline on a page of its own, for links from outside the model page. @internal */
export function PipelinePage() {
  const { name = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const pipeline = useAsync(() => mlApi.getModelPipeline(name), [mlApi, name]);
  return (
    <Content>
      <PageTrail
        crumbs={[
          { label: 'Deployments', to: paths?.deployments() },
          { label: name, to: paths?.model(name) },
          { label: 'Pipeline' },
        ]}
      />
      <InfoCard title={`Pipeline of ${name}`}>
        <Loaded state={pipeline} errorTitle="Could not load the pipeline">
          {value => <PipelineView pipeline={value} />}
        </Loaded>
      </InfoCard>
    </Content>
  );
}
