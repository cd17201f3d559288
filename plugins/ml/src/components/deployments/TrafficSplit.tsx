import { EndpointDeployment } from '@ml-portal/plugin-ml-common';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { MutedText } from '../common/MutedText';
import { liveDeployments } from './deploymentFormat';
import { EndpointStatusChip } from './EndpointStatusChip';

/** The split of an endpoint's traffic: a bar per version taking traffic, with its weight. @internal */
export function TrafficSplit(props: { deployments: EndpointDeployment[] }) {
  const live = liveDeployments(props.deployments);
  if (live.length === 0) {
    return <MutedText>No version takes traffic.</MutedText>;
  }
  return (
    <Box
      component="ul"
      aria-label="traffic split"
      sx={{ m: 0, p: 0, listStyle: 'none' }}
    >
      {live.map(deployment => {
        const label = `v${deployment.version} ${deployment.role}`;
        return (
          <Box component="li" key={deployment.id} sx={{ mb: 2 }}>
            <Box
              sx={{
                display: 'flex',
                alignItems: 'center',
                justifyContent: 'space-between',
                gap: 1,
              }}
            >
              <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
                <Typography variant="body2">
                  <strong>v{deployment.version}</strong> {deployment.role}
                </Typography>
                <EndpointStatusChip status={deployment.state} />
              </Box>
              <Typography variant="body2">{deployment.weight}%</Typography>
            </Box>
            <LinearProgress
              variant="determinate"
              value={deployment.weight}
              color={deployment.role === 'canary' ? 'secondary' : 'primary'}
              aria-label={`${label} traffic`}
              sx={{ height: 10, borderRadius: 1, mt: 0.5 }}
            />
          </Box>
        );
      })}
    </Box>
  );
}
