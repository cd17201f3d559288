import { Endpoint } from '@ml-portal/plugin-ml-common';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { MutedText } from '../common/MutedText';
import { EndpointLink } from './EndpointLink';
import { EndpointStatusChip } from './EndpointStatusChip';

/** The endpoints serving version `version`, each with its role and share of traffic. @internal */
export function DeployedOn(props: { endpoints: Endpoint[]; version: string }) {
  const { endpoints, version } = props;
  const serving = endpoints.flatMap(endpoint =>
    endpoint.deployments
      .filter(d => d.version === version && d.role !== 'retired')
      .map(deployment => ({ endpoint, deployment })),
  );
  if (serving.length === 0) {
    return <MutedText>This version serves on no endpoint.</MutedText>;
  }
  return (
    <Box component="ul" aria-label="deployed on" sx={{ m: 0, pl: 2.5 }}>
      {serving.map(({ endpoint, deployment }) => (
        <Box
          component="li"
          key={deployment.id}
          sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 0.5 }}
        >
          <EndpointLink name={endpoint.name} />
          <Typography variant="body2">
            {deployment.role}, {deployment.weight}% of traffic · {endpoint.kind}{' '}
            on {endpoint.target}
          </Typography>
          <EndpointStatusChip status={deployment.state} />
        </Box>
      ))}
    </Box>
  );
}
