import { EndpointDeployment } from '@ml-portal/plugin-ml-common';
import Box from '@mui/material/Box';
import { DataColumn, DataTable } from '../common/DataTable';
import { formatDuration, formatTime, MISSING } from '../common/format';
import { VersionLink } from '../registry/registryLinks';
import { liveDeployments } from './deploymentFormat';
import { EndpointStatusChip } from './EndpointStatusChip';

function deploymentColumns(
  modelName: string,
  coldStarts: boolean,
): DataColumn<EndpointDeployment>[] {
  const columns: Array<DataColumn<EndpointDeployment> | false> = [
    {
      title: 'Version',
      render: d => (
        <VersionLink name={modelName} version={d.version}>
          v{d.version}
        </VersionLink>
      ),
    },
    { title: 'Role', render: d => d.role },
    {
      title: 'Traffic',
      align: 'right',
      render: d => (d.role === 'retired' ? MISSING : `${d.weight}%`),
    },
    { title: 'State', render: d => <EndpointStatusChip status={d.state} /> },
    {
      title: 'Reason',
      wrap: true,
      render: d => (
        <>
          {d.reason ?? MISSING}
          {d.logTail && (
            <Box
              component="pre"
              aria-label={`v${d.version} server log`}
              sx={{ fontSize: '0.75rem', whiteSpace: 'pre-wrap', m: 0, mt: 1 }}
            >
              {d.logTail}
            </Box>
          )}
        </>
      ),
    },
    // Only versions that scale to zero start cold: elsewhere the column is left out.
    coldStarts && {
      title: 'Last cold start',
      align: 'right',
      render: d => formatDuration(d.lastColdStartMs),
    },
    { title: 'Deployed', render: d => formatTime(d.createdAt) },
    {
      title: 'Ready',
      render: d => (d.readyAt === undefined ? MISSING : formatTime(d.readyAt)),
    },
    {
      title: 'Retired',
      render: d =>
        d.retiredAt === undefined ? MISSING : formatTime(d.retiredAt),
    },
  ];
  return columns.filter(
    (column): column is DataColumn<EndpointDeployment> => column !== false,
  );
}

/** An endpoint's deployments: those taking traffic, then the retired ones, newest first. @internal */
export function DeploymentsTable(props: {
  modelName: string;
  deployments: EndpointDeployment[];
  history: EndpointDeployment[];
}) {
  const rows = [...liveDeployments(props.deployments), ...props.history];
  return (
    <DataTable
      label="deployments"
      columns={deploymentColumns(
        props.modelName,
        rows.some(d => d.lastColdStartMs !== undefined),
      )}
      rows={rows}
      rowKey={d => d.id}
      empty="Nothing deployed yet."
    />
  );
}
