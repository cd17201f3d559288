import { useApi } from '@backstage/frontend-plugin-api';
import { ArtifactFile } from '@ml-portal/plugin-ml-common';
import FolderIcon from '@mui/icons-material/Folder';
import FileIcon from '@mui/icons-material/InsertDriveFileOutlined';
import Box from '@mui/material/Box';
import Breadcrumbs from '@mui/material/Breadcrumbs';
import Button from '@mui/material/Button';
import Grid from '@mui/material/Grid';
import MaterialLink from '@mui/material/Link';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { formatBytes } from '../common/format';
import { Loaded } from '../common/Loaded';
import { MutedText } from '../common/MutedText';

/** Text previews show at most this much of a file. @internal */
export const TEXT_PREVIEW_BYTES = 200 * 1024;
/** Larger files are fetched for preview only when asked. */
const AUTO_FETCH_BYTES = 20 * 1024 * 1024;

const textExtensions = ['txt', 'json', 'yaml', 'yml', 'md', 'csv', 'log'];
const textNames = ['MLmodel'];
const imageTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
};

const basename = (path: string) => path.split('/').pop() ?? path;
const extension = (path: string) => {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

/** How a file is previewed, by its name. @internal */
export function previewKind(path: string): 'text' | 'image' | 'download' {
  if (textNames.includes(basename(path))) return 'text';
  if (textExtensions.includes(extension(path))) return 'text';
  if (extension(path) in imageTypes) return 'image';
  return 'download';
}

/** The path of a listed file from the root: MLflow lists full paths; tolerate bare names too. */
function pathIn(dir: string, file: ArtifactFile) {
  return !dir || file.path.startsWith(`${dir}/`)
    ? file.path
    : `${dir}/${file.path}`;
}

const foldersFirst = (a: ArtifactFile, b: ArtifactFile) =>
  Number(b.isDir) - Number(a.isDir) || a.path.localeCompare(b.path);

/** An object URL for a blob, revoked when the blob changes or the component goes. */
function useObjectUrl(blob: Blob | undefined) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!blob) return undefined;
    const created = URL.createObjectURL(blob);
    setUrl(created);
    return () => {
      URL.revokeObjectURL(created);
      setUrl(undefined);
    };
  }, [blob]);
  return url;
}

function ArtifactPreview(props: { runId: string; file: ArtifactFile }) {
  const { runId, file } = props;
  const mlApi = useApi(mlApiRef);
  const kind = previewKind(file.path);
  const [confirmed, setConfirmed] = useState(false);
  const large = (file.fileSize ?? 0) > AUTO_FETCH_BYTES;

  const content = useAsync(async () => {
    if (large && !confirmed) return undefined;
    const fetched = await mlApi.getArtifact({ runId, path: file.path });
    // Give images the type their name says, so an <img> shows them (SVG needs it).
    const blob =
      kind === 'image' && !fetched.type.startsWith('image/')
        ? new Blob([fetched], { type: imageTypes[extension(file.path)] })
        : fetched;
    const text =
      kind === 'text'
        ? await blob.slice(0, TEXT_PREVIEW_BYTES).text()
        : undefined;
    return { blob, text };
  }, [mlApi, runId, file.path, kind, large, confirmed]);
  const url = useObjectUrl(content.value?.blob);
  const name = basename(file.path);

  if (large && !confirmed) {
    return (
      <Box>
        <Typography variant="body2" paragraph>
          {name} is {formatBytes(file.fileSize)}.
        </Typography>
        <Button variant="outlined" onClick={() => setConfirmed(true)}>
          Fetch it
        </Button>
      </Box>
    );
  }
  return (
    <Loaded state={content} errorTitle={`Could not fetch ${name}`}>
      {({ blob, text }) => (
        <Box>
          <Box sx={{ display: 'flex', alignItems: 'baseline', mb: 1 }}>
            <Typography variant="subtitle2" sx={{ flexGrow: 1 }}>
              {file.path} ({formatBytes(blob.size)})
            </Typography>
            {url && (
              <MaterialLink href={url} download={name}>
                Download
              </MaterialLink>
            )}
          </Box>
          {text !== undefined && (
            <>
              <Box
                component="pre"
                sx={{
                  bgcolor: 'background.default',
                  p: 1,
                  m: 0,
                  maxHeight: 480,
                  overflow: 'auto',
                  fontSize: '0.8rem',
                }}
                aria-label={`content of ${name}`}
              >
                {text}
              </Box>
              {blob.size > TEXT_PREVIEW_BYTES && (
                <Typography variant="caption" color="text.secondary">
                  Showing the first {formatBytes(TEXT_PREVIEW_BYTES)} of{' '}
                  {formatBytes(blob.size)}.
                </Typography>
              )}
            </>
          )}
          {kind === 'image' && url && (
            <img src={url} alt={name} style={{ maxWidth: '100%' }} />
          )}
          {kind === 'download' && (
            <MutedText>No preview for this kind of file.</MutedText>
          )}
        </Box>
      )}
    </Loaded>
  );
}

/** The artifacts of a run: a folder browser and a preview of the chosen file. @internal */
export function ArtifactBrowser(props: { runId: string }) {
  const { runId } = props;
  const mlApi = useApi(mlApiRef);
  const [dir, setDir] = useState('');
  const [file, setFile] = useState<ArtifactFile>();
  const listing = useAsync(
    () => mlApi.listArtifacts({ runId, path: dir || undefined }),
    [mlApi, runId, dir],
  );

  const segments = dir ? dir.split('/') : [];
  const open = (next: string) => {
    setDir(next);
    setFile(undefined);
  };

  return (
    <Grid container spacing={2}>
      <Grid item xs={12} md={4}>
        <Breadcrumbs aria-label="artifact folder">
          {['artifacts', ...segments].map((segment, index) =>
            index === segments.length ? (
              <Typography key={index} color="text.primary">
                {segment}
              </Typography>
            ) : (
              <MaterialLink
                key={index}
                component="button"
                variant="body1"
                onClick={() => open(segments.slice(0, index).join('/'))}
              >
                {segment}
              </MaterialLink>
            ),
          )}
        </Breadcrumbs>
        <Loaded state={listing} errorTitle="Could not list artifacts">
          {entries =>
            entries.length === 0 ? (
              <MutedText>
                {dir
                  ? 'This folder is empty.'
                  : 'This run logged no artifacts.'}
              </MutedText>
            ) : (
              <List dense aria-label="artifacts">
                {[...entries].sort(foldersFirst).map(entry => {
                  const path = pathIn(dir, entry);
                  return (
                    <ListItemButton
                      key={path}
                      selected={file?.path === path}
                      onClick={() =>
                        entry.isDir ? open(path) : setFile({ ...entry, path })
                      }
                    >
                      <ListItemIcon>
                        {entry.isDir ? <FolderIcon /> : <FileIcon />}
                      </ListItemIcon>
                      <ListItemText
                        primary={basename(path)}
                        secondary={
                          entry.isDir ? undefined : formatBytes(entry.fileSize)
                        }
                      />
                    </ListItemButton>
                  );
                })}
              </List>
            )
          }
        </Loaded>
      </Grid>
      <Grid item xs={12} md={8}>
        {file ? (
          <ArtifactPreview key={file.path} runId={runId} file={file} />
        ) : (
          <MutedText>Select a file to preview it.</MutedText>
        )}
      </Grid>
    </Grid>
  );
}
