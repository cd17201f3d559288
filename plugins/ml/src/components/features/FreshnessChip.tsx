import Chip from '@mui/material/Chip';
import Tooltip from '@mui/material/Tooltip';
import { SxProps, Theme } from '@mui/material/styles';
import { FeatureFreshness } from '@ml-portal/plugin-ml-common';
import { formatTime } from '../common/format';
import { freshnessSummary } from './featureFormat';

const statusSx: Partial<Record<FeatureFreshness['status'], SxProps<Theme>>> = {
  fresh: { borderColor: 'success.main', color: 'success.dark' },
  stale: { bgcolor: 'warning.main', color: 'warning.contrastText' },
};

/**
 * Whether a feature view's data is fresh: its status, with the age against
 * the SLO (or TTL) beside it; stale in the warning colour.
 *
 * @internal
 */
export function FreshnessChip(props: { freshness: FeatureFreshness }) {
  const { freshness } = props;
  const summary = freshnessSummary(freshness);
  const materialized =
    freshness.lastMaterializedAt === undefined
      ? 'Never materialised'
      : `Last materialised ${formatTime(freshness.lastMaterializedAt)}`;
  return (
    <Tooltip title={materialized}>
      <Chip
        size="small"
        variant={freshness.status === 'stale' ? 'filled' : 'outlined'}
        sx={statusSx[freshness.status]}
        label={`${freshness.status} · ${summary}`}
        aria-label={`freshness: ${freshness.status}, ${summary}`}
      />
    </Tooltip>
  );
}
