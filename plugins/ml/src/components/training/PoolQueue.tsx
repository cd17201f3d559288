import { InfoCard } from '@backstage/core-components';
import { Box, Chip, Grid, LinearProgress, Typography } from '@material-ui/core';
import { GpuPoolSummary } from '@ml-portal/plugin-ml-common';

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
      <Box display="flex" flexWrap="wrap" style={{ gap: 4 }} mb={2}>
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
        style={{ height: 8, borderRadius: 4, margin: '4px 0 8px' }}
      />
      <Typography
        variant="body2"
        color={pool.pendingJobs > 0 ? 'textPrimary' : 'textSecondary'}
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
      <Typography variant="body2" color="textSecondary">
        No GPU pools are configured. Pools are declared under
        <code> ml.training.pools </code>
        in the app config.
      </Typography>
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
