import { InfoCard } from '@backstage/core-components';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Grid from '@mui/material/Grid';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { GpuPoolSummary } from '@ml-portal/plugin-ml-common';
import { MutedText } from '../common/MutedText';

function PoolCard(props: { pool: GpuPoolSummary }) {
  const { pool } = props;
  const usedPercent =
    pool.capacityGpus > 0
      ? Math.min(100, (pool.usedGpus / pool.capacityGpus) * 100)
      : 0;
  const usage = `${pool.usedGpus} / ${pool.capacityGpus} GPUs in use`;
  return (
    <InfoCard
      title={pool.name}
      subheader={`${pool.target} · ${pool.region} · ${pool.gpuType}`}
    >
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, mb: 2 }}>
        <Chip
          size="small"
          color={pool.spot ? 'secondary' : 'default'}
          label={pool.spot ? 'Spot' : 'On-demand'}
        />
        {pool.compliance.map(label => (
          <Chip key={label} size="small" variant="outlined" label={label} />
        ))}
      </Box>
      <Typography variant="body2">{usage}</Typography>
      <LinearProgress
        variant="determinate"
        value={usedPercent}
        aria-label={`${pool.name} usage`}
        sx={{ height: 8, borderRadius: '4px', mt: 0.5, mb: 1 }}
      />
      <Typography
        variant="body2"
        color={pool.pendingJobs > 0 ? 'text.primary' : 'text.secondary'}
      >
        {pool.pendingJobs === 1
          ? '1 job pending'
          : `${pool.pendingJobs} jobs pending`}
      </Typography>
    </InfoCard>
  );
}

/** The GPU pools jobs queue for: what each holds, how full it is, how many wait. @internal */
export function PoolQueue(props: { pools: GpuPoolSummary[] }) {
  if (props.pools.length === 0) {
    return (
      <MutedText>
        No GPU pools are configured. Pools are declared under
        <code> ml.training.pools </code>
        in the app config.
      </MutedText>
    );
  }
  return (
    <Grid container spacing={2}>
      {props.pools.map(pool => (
        <Grid item xs={12} sm={6} lg={4} key={pool.name}>
          <PoolCard pool={pool} />
        </Grid>
      ))}
    </Grid>
  );
}
