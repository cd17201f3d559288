import { useApi } from '@backstage/frontend-plugin-api';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import FileDownloadIcon from '@mui/icons-material/FileDownload';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { teamName } from '../common/teams';

/** Hands a fetched file to the browser as a download. */
function saveAs(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // Revoked once the click has handed the URL to the download.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** The CSV file name of a month's usage, e.g. `ml-cost-2026-11-ml-research.csv`. @internal */
export function exportFileName(month: string, team?: string): string {
  const suffix = team
    ? `-${teamName(team).replace(/[^a-z0-9_-]+/gi, '-')}`
    : '';
  return `ml-cost-${month}${suffix}.csv`;
}

/**
 * Downloads the month's usage rows as CSV. The file is fetched through the
 * fetch API so the request carries the user's token, which a plain link to the
 * backend would not.
 *
 * @internal
 */
export function CsvExportButton(props: { month: string; team?: string }) {
  const { month, team } = props;
  const mlApi = useApi(mlApiRef);
  const [state, download] = useAsyncFn(async () => {
    const blob = await mlApi.exportCostCsv({ month, team });
    saveAs(blob, exportFileName(month, team));
  }, [mlApi, month, team]);
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
      {state.error && (
        <Typography variant="body2" color="error" role="alert">
          Export failed: {state.error.message}
        </Typography>
      )}
      <Button
        variant="outlined"
        startIcon={<FileDownloadIcon />}
        onClick={() => download()}
        disabled={state.loading}
      >
        {state.loading ? 'Exporting…' : 'Export CSV'}
      </Button>
    </Box>
  );
}
