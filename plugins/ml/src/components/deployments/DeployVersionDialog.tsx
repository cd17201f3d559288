import { useApi } from '@backstage/frontend-plugin-api';
import { EndpointDetails } from '@ml-portal/plugin-ml-common';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { FormDialog } from '../common/FormDialog';
import { Loaded } from '../common/Loaded';
import { SelectField } from '../common/SelectField';
import { stableVersion } from './deploymentFormat';
import { asServerError } from '../common/serverError';
import {
  canaryUnavailableReason,
  Rollout,
  RolloutFields,
  rolloutRequest,
} from './rollout';

/**
 * Deploys another version of the endpoint's model on it: the version, then as
 * a canary beside the stable one or replacing it.
 *
 * @internal
 */
export function DeployVersionDialog(props: {
  endpoint: EndpointDetails;
  onClose: () => void;
  onDeployed: () => void;
}) {
  const { endpoint, onClose, onDeployed } = props;
  const mlApi = useApi(mlApiRef);
  const canaryUnavailable = canaryUnavailableReason(endpoint);
  const [version, setVersion] = useState('');
  const [rollout, setRollout] = useState<Rollout>({
    strategy: canaryUnavailable ? 'replace' : 'canary',
    percent: String(endpoint.canaryPolicy.percent),
  });
  const model = useAsync(async () => {
    const details = await mlApi.getModel(endpoint.modelName);
    return details.versions
      .filter(v => v.status === 'READY')
      .map(v => v.version)
      .sort((a, b) => Number(b) - Number(a));
  }, [mlApi, endpoint.modelName]);
  // Until one is picked: the newest version the endpoint does not serve yet.
  const current = stableVersion(endpoint);
  const versions = model.value ?? [];
  const chosen =
    version || (versions.find(v => v !== current) ?? versions[0] ?? '');
  const strategy = rolloutRequest(rollout);
  const [deployment, deploy] = useAsyncFn(async () => {
    if (!strategy) return;
    await mlApi.deployVersion({
      endpoint: endpoint.name,
      version: chosen,
      ...strategy,
    });
    onDeployed();
  }, [mlApi, endpoint.name, chosen, strategy, onDeployed]);

  return (
    <FormDialog
      title={`Deploy a version of ${endpoint.modelName} on ${endpoint.name}`}
      error={asServerError(deployment.error)}
      submitLabel="Deploy"
      submitDisabled={!chosen || !strategy || deployment.loading}
      onSubmit={deploy}
      onClose={onClose}
    >
      <Loaded state={model} errorTitle="Could not list the model's versions">
        {choices => (
          <SelectField
            label="Version"
            value={chosen}
            options={choices.map(v => ({ value: v, label: `Version ${v}` }))}
            onChange={setVersion}
            fullWidth
            margin="normal"
          />
        )}
      </Loaded>
      <RolloutFields
        value={rollout}
        onChange={setRollout}
        canaryUnavailable={canaryUnavailable}
      />
    </FormDialog>
  );
}
