import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Typography from '@mui/material/Typography';
import { TrainingProfile } from '@ml-portal/plugin-ml-common';
import { formatDuration } from '../common/format';
import { profileMaxGpus } from './jobSpecForm';

const spotPolicyLabel: Record<TrainingProfile['spotPolicy'], string> = {
  allowed: 'spot allowed',
  required: 'spot only',
  never: 'on-demand only',
};

/**
 * What a profile version offers a job, in one short block: its description, pools,
 * defaults and limits. The submit form shows it under the chosen profile, the profile
 * page for each version.
 *
 * @internal
 */
export function ProfileSummary(props: { profile: TrainingProfile }) {
  const { profile } = props;
  const { defaults, limits } = profile;
  const maxGpus = profileMaxGpus(profile);
  const parts = [
    `${defaults.gpus} GPU${defaults.gpus === 1 ? '' : 's'} by default`,
    maxGpus !== undefined ? `at most ${maxGpus}` : 'no GPU limit',
    defaults.maxRuntimeSeconds !== undefined &&
      `runs up to ${formatDuration(defaults.maxRuntimeSeconds * 1000)}`,
    defaults.checkpointIntervalSeconds !== undefined &&
      `checkpoints every ${formatDuration(
        defaults.checkpointIntervalSeconds * 1000,
      )}`,
    profile.spotPolicy === 'allowed'
      ? defaults.spotAllowed !== undefined &&
        (defaults.spotAllowed ? 'spot allowed' : 'on-demand by default')
      : spotPolicyLabel[profile.spotPolicy],
    limits.maxCostPerJobUsd !== undefined &&
      `at most $${limits.maxCostPerJobUsd} per job`,
    defaults.image !== undefined && `image ${defaults.image}`,
  ].filter(Boolean);
  return (
    <Box sx={{ mt: 1 }} aria-label="profile summary">
      {profile.description && (
        <Typography variant="body2">{profile.description}</Typography>
      )}
      <Box
        sx={{
          display: 'flex',
          flexWrap: 'wrap',
          alignItems: 'center',
          my: 0.5,
        }}
      >
        <Typography variant="body2" color="text.secondary">
          Pools:&nbsp;
        </Typography>
        {profile.pools.map(pool => (
          <Chip key={pool} size="small" label={pool} sx={{ m: 0.25 }} />
        ))}
      </Box>
      <Typography variant="body2" color="text.secondary">
        {parts.join(' · ')}
      </Typography>
    </Box>
  );
}
