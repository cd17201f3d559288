import { Chip, makeStyles, Tooltip } from '@material-ui/core';
import { FeatureFreshness } from '@ml-portal/plugin-ml-common';
import { formatTime } from '../common/format';
import { freshnessSummary } from './featureFormat';

const useStyles = makeStyles(theme => ({
  fresh: {
    borderColor: theme.palette.success.main,
    color: theme.palette.success.dark,
  },
  stale: {
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
  unknown: {},
}));

/**
 * Whether a feature view's data is fresh: its status, with the age against
 * the SLO (or TTL) beside it; stale in the warning colour.
 *
 * @internal
 */
export function FreshnessChip(props: { freshness: FeatureFreshness }) {
  const { freshness } = props;
  const classes = useStyles();
  const summary = freshnessSummary(freshness);
  const materialized =
    freshness.lastMaterializedAt === undefined
      ? 'Never materialised'
      : `Last materialised ${formatTime(freshness.lastMaterializedAt)}`;
  return (
    <Tooltip title={materialized}>
      <Chip
        size="small"
        variant={freshness.status === 'stale' ? 'default' : 'outlined'}
        className={classes[freshness.status] ?? classes.unknown}
        label={`${freshness.status} · ${summary}`}
        aria-label={`freshness: ${freshness.status}, ${summary}`}
      />
    </Tooltip>
  );
}
