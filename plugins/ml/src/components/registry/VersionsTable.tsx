import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { ModelVersion } from '@ml-portal/plugin-ml-common';
import { formatTime } from '../tracking/format';
import { AliasChips } from './AliasChips';
import { newestFirst } from './registryFormat';
import { SourceRunLink, VersionLink } from './registryLinks';
import { VersionStatus } from './VersionStatus';

/** A model's versions, newest first. @internal */
export function VersionsTable(props: {
  versions: ModelVersion[];
  protectedAliases?: string[];
}) {
  const { versions, protectedAliases } = props;
  if (versions.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No versions yet: register one from a run.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="versions">
      <TableHead>
        <TableRow>
          <TableCell>Version</TableCell>
          <TableCell>Stage</TableCell>
          <TableCell>Aliases</TableCell>
          <TableCell>Source run</TableCell>
          <TableCell>Created</TableCell>
          <TableCell>Status</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {newestFirst(versions).map(version => (
          <TableRow key={version.version} hover>
            <TableCell>
              <VersionLink name={version.name} version={version.version} />
            </TableCell>
            <TableCell>{version.currentStage}</TableCell>
            <TableCell>
              <AliasChips
                aliases={version.aliases.map(alias => ({ alias }))}
                protectedAliases={protectedAliases}
              />
            </TableCell>
            <TableCell>
              <SourceRunLink version={version} />
            </TableCell>
            <TableCell>{formatTime(version.creationTimestamp)}</TableCell>
            <TableCell>
              <VersionStatus
                status={version.status}
                message={version.statusMessage}
              />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
