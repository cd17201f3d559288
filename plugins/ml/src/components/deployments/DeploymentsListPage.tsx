import { discoveryApiRef, useApi } from '@backstage/frontend-plugin-api';
import { Endpoint } from '@ml-portal/plugin-ml-common';
import Typography from '@mui/material/Typography';
import { useCallback, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataColumn } from '../common/DataTable';
import { ListPage } from '../common/ListPage';
import { OwnerLink } from '../common/OwnerLink';
import { useDebouncedSearch } from '../common/SearchField';
import { SuggestField } from '../common/SuggestField';
import { teamRef } from '../common/teams';
import { ModelLink } from '../registry/registryLinks';
import {
  followsLabel,
  formatLatency,
  formatPercent,
  formatRate,
  trafficSummary,
} from './deploymentFormat';
import { EndpointLink } from './EndpointLink';
import { EndpointStatusChip } from './EndpointStatusChip';

const endpointColumns: DataColumn<Endpoint>[] = [
  {
    title: 'Name',
    render: endpoint => <EndpointLink name={endpoint.name} />,
  },
  { title: 'Owner', render: endpoint => <OwnerLink owner={endpoint.owner} /> },
  {
    title: 'Model',
    render: endpoint => (
      <>
        <ModelLink name={endpoint.modelName} />
        <Typography variant="caption" color="text.secondary" display="block">
          {followsLabel(endpoint)}
        </Typography>
      </>
    ),
  },
  { title: 'Kind', render: endpoint => endpoint.kind },
  { title: 'Target', render: endpoint => endpoint.target },
  {
    title: 'Versions',
    render: endpoint => trafficSummary(endpoint.deployments),
  },
  {
    title: 'Status',
    render: endpoint => (
      <EndpointStatusChip
        status={endpoint.status}
        title={endpoint.statusReason}
      />
    ),
  },
  {
    title: 'Requests',
    align: 'right',
    render: endpoint => formatRate(endpoint.stats.requestsPerMinute),
  },
  {
    title: 'Errors',
    align: 'right',
    render: endpoint => formatPercent(endpoint.stats.errorRate),
  },
  {
    title: 'p95',
    align: 'right',
    render: endpoint => formatLatency(endpoint.stats.p95Ms),
  },
];

/** How to create an endpoint from a script or CI, with the portal's base URL. */
function createSnippet(baseUrl: string) {
  return `curl -X POST "${baseUrl}/deployments/endpoints" \\
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
  -d '{"name": "churn-prod", "owner": "group:default/growth",
       "modelName": "churn-classifier", "alias": "production",
       "kind": "real-time", "target": "local"}'`;
}

/**
 * The Deployments tab: endpoints by team with what they serve, their traffic split,
 * status and the router's last five minutes.
 *
 * @internal
 */
export function DeploymentsListPage() {
  const mlApi = useApi(mlApiRef);
  const discoveryApi = useApi(discoveryApiRef);
  const baseUrl = useAsync(() => discoveryApi.getBaseUrl('ml'), [discoveryApi]);
  const { draft, setDraft, search } = useDebouncedSearch();
  const owner = teamRef(search);
  const [ownersSeen, setOwnersSeen] = useState<string[]>([]);
  // The owner box suggests the owners of the endpoints listed so far.
  const rememberOwners = useCallback((endpoints: Endpoint[]) => {
    setOwnersSeen(seen => {
      const owners = new Set([...seen, ...endpoints.map(e => e.owner)]);
      return owners.size === seen.length ? seen : [...owners].sort();
    });
  }, []);

  return (
    <ListPage
      title="Endpoints"
      noun={['endpoint', 'endpoints']}
      columns={endpointColumns}
      rowKey={endpoint => endpoint.name}
      // The server answers the whole list.
      paged={false}
      load={async () => {
        const items = await mlApi.listEndpoints(owner ? { owner } : {});
        rememberOwners(items);
        return { items };
      }}
      search={[owner]}
      searching={owner !== ''}
      controls={() => (
        <SuggestField
          label="Owner"
          placeholder="growth, or group:default/growth"
          value={draft}
          suggestions={ownersSeen}
          onChange={setDraft}
          size="small"
          margin="none"
          sx={{ maxWidth: 420 }}
        />
      )}
      howToFill={{
        title: 'No endpoints yet',
        description:
          'Deploy a model version from its page under Models (Deploy), or create an endpoint with the API. An endpoint follows an alias such as production, or serves a pinned version; new versions go out as canaries beside the stable one.',
        snippets: [
          {
            language: 'bash',
            text: createSnippet(baseUrl.value ?? '<backend base url>/api/ml'),
          },
        ],
      }}
    />
  );
}
