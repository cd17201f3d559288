import { useApi } from '@backstage/frontend-plugin-api';
import { Box, Typography, makeStyles } from '@material-ui/core';
import Alert from '@material-ui/lab/Alert';
import { useLayoutEffect, useRef } from 'react';
import { mlApiRef } from '../../api/MlApi';
import { usePolledAsync } from '../common/usePolledAsync';

/** How often the logs of a running job are fetched again. @internal */
export const LOG_REFRESH_MS = 2000;

/** Within this many pixels of the end counts as reading the end. */
const STICK_THRESHOLD_PX = 24;

const useStyles = makeStyles(theme => ({
  logs: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    lineHeight: 1.4,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
    margin: 0,
    padding: theme.spacing(1, 1.5),
    maxHeight: 480,
    overflow: 'auto',
    backgroundColor:
      theme.palette.type === 'dark'
        ? theme.palette.background.default
        : theme.palette.grey[100],
    borderRadius: theme.shape.borderRadius,
  },
}));

/**
 * The tail of a job's logs, fetched again every few seconds while `live`. The box
 * follows new lines while the reader is at its end and stays put once they
 * scroll up to read something.
 *
 * @internal
 */
export function JobLogs(props: { jobId: string; live: boolean }) {
  const { jobId, live } = props;
  const mlApi = useApi(mlApiRef);
  const classes = useStyles();
  const box = useRef<HTMLPreElement>(null);
  const atEnd = useRef(true);
  // `live` is a dependency so the last lines are fetched once more when the job ends.
  const logs = usePolledAsync(
    () => mlApi.getJobLogs(jobId),
    [mlApi, jobId, live],
    () => (live ? LOG_REFRESH_MS : null),
  );

  useLayoutEffect(() => {
    if (box.current && atEnd.current) {
      box.current.scrollTop = box.current.scrollHeight;
    }
  }, [logs.value]);

  if (logs.loading) {
    return (
      <Typography variant="body2" color="textSecondary">
        Loading logs…
      </Typography>
    );
  }
  return (
    <>
      {logs.error && (
        <Box mb={1}>
          <Alert severity="warning">
            Could not {logs.value === undefined ? 'load' : 'refresh'} the logs:{' '}
            {logs.error.message}
          </Alert>
        </Box>
      )}
      {logs.value !== undefined && (
        <pre
          ref={box}
          className={classes.logs}
          aria-label="logs"
          tabIndex={0}
          onScroll={event => {
            const el = event.currentTarget;
            atEnd.current =
              el.scrollHeight - el.scrollTop - el.clientHeight <
              STICK_THRESHOLD_PX;
          }}
        >
          {logs.value || 'No output yet.'}
        </pre>
      )}
    </>
  );
}
