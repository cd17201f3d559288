import { useApi } from '@backstage/frontend-plugin-api';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import { SxProps, Theme } from '@mui/material/styles';
import { useLayoutEffect, useRef } from 'react';
import { mlApiRef } from '../../api/MlApi';
import { MutedText } from '../common/MutedText';
import { usePolledAsync } from '../common/usePolledAsync';

/** How often the logs of a running job are fetched again. @internal */
export const LOG_REFRESH_MS = 2000;

/** Within this many pixels of the end counts as reading the end. */
const STICK_THRESHOLD_PX = 24;

const logsSx: SxProps<Theme> = {
  fontFamily: 'monospace',
  fontSize: '0.8rem',
  lineHeight: 1.4,
  whiteSpace: 'pre-wrap',
  wordBreak: 'break-all',
  m: 0,
  py: 1,
  px: 1.5,
  maxHeight: 480,
  overflow: 'auto',
  bgcolor: theme =>
    theme.palette.mode === 'dark'
      ? theme.palette.background.default
      : theme.palette.grey[100],
  borderRadius: 1,
};

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
    return <MutedText>Loading logs…</MutedText>;
  }
  return (
    <>
      {logs.error && (
        <Box sx={{ mb: 1 }}>
          <Alert severity="warning">
            Could not {logs.value === undefined ? 'load' : 'refresh'} the logs:{' '}
            {logs.error.message}
          </Alert>
        </Box>
      )}
      {logs.value !== undefined && (
        <Box
          component="pre"
          ref={box}
          sx={logsSx}
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
        </Box>
      )}
    </>
  );
}
