import { Content, InfoCard, Link } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { ModelReadiness, ReadinessCheck } from '@ml-portal/plugin-ml-common';
import Grid from '@mui/material/Grid';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataTable } from '../common/DataTable';
import { LabeledSwitch } from '../common/LabeledSwitch';
import { Loaded } from '../common/Loaded';
import { useMlPaths } from '../common/mlPaths';
import { OwnerLink } from '../common/OwnerLink';

/** Per check, the models that fail it: what a platform team fixes first. */
function failuresByCheck(models: ModelReadiness[]) {
  const byCheck = new Map<
    string,
    { check: ReadinessCheck; models: string[] }
  >();
  for (const model of models) {
    for (const check of model.checks) {
      if (check.status !== 'fail') continue;
      const entry = byCheck.get(check.id) ?? { check, models: [] };
      entry.models.push(model.name);
      byCheck.set(check.id, entry);
    }
  }
  return [...byCheck.values()].sort(
    (a, b) => b.models.length - a.models.length,
  );
}

function ModelLink(props: { name: string }) {
  const paths = useMlPaths();
  return paths ? (
    <Link to={paths.model(props.name)}>{props.name}</Link>
  ) : (
    <>{props.name}</>
  );
}

function ReadinessTables(props: { models: ModelReadiness[] }) {
  const { models } = props;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard title="Failing checks">
          <DataTable
            label="failing checks"
            rows={failuresByCheck(models)}
            rowKey={row => row.check.id}
            empty="No model fails a check."
            emptyAs="text"
            columns={[
              { title: 'Check', render: row => row.check.title },
              {
                title: 'Models failing',
                align: 'right',
                render: row => row.models.length,
              },
              {
                title: 'Models',
                wrap: true,
                render: row => row.models.join(', '),
              },
            ]}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Models">
          <DataTable<ModelReadiness>
            label="models' readiness"
            rows={models}
            rowKey={model => model.name}
            empty="No models."
            columns={[
              { title: 'Model', render: m => <ModelLink name={m.name} /> },
              { title: 'Owner', render: m => <OwnerLink owner={m.owner} /> },
              { title: 'Version', render: m => m.version ?? '' },
              {
                title: 'In production',
                render: m => (m.inProduction ? 'yes' : 'no'),
              },
              { title: 'Score', render: m => `${m.passed}/${m.total}` },
              {
                title: 'Fails',
                wrap: true,
                render: m =>
                  m.checks
                    .filter(c => c.status === 'fail')
                    .map(c => c.title)
                    .join('; '),
              },
            ]}
          />
        </InfoCard>
      </Grid>
    </Grid>
  );
}

/**
 * The Readiness tab: every model the user may read with its production-readiness
 * score, those in production by default, and per check the models failing it.
 *
 * @internal
 */
export function ReadinessPage() {
  const mlApi = useApi(mlApiRef);
  const [productionOnly, setProductionOnly] = useState(true);
  const overview = useAsync(() => mlApi.getReadinessOverview(), [mlApi]);
  return (
    <Content>
      <LabeledSwitch
        label="Only models in production"
        checked={productionOnly}
        onChange={setProductionOnly}
      />
      <Loaded state={overview} errorTitle="Could not load the readiness checks">
        {models => (
          <ReadinessTables
            models={
              productionOnly ? models.filter(m => m.inProduction) : models
            }
          />
        )}
      </Loaded>
    </Content>
  );
}
