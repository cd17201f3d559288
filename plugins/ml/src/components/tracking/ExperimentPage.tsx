import {
  Content,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Run } from '@ml-portal/plugin-ml-common';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Grid from '@mui/material/Grid';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import { useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { badFilterMessage, FilterBox } from '../common/FilterBox';
import {
  formatDuration,
  formatMetricValue,
  formatTime,
  MISSING,
} from '../common/format';
import { Loaded } from '../common/Loaded';
import { MutedText } from '../common/MutedText';
import { PageTrail } from '../common/PageTrail';
import { PageControls, usePageTokens } from '../common/paging';
import { useLiveAsync } from '../common/usePolledAsync';
import { MAX_COMPARED_RUNS } from './chartSeries';
import { KeySelect } from './KeySelect';
import {
  keysByVariation,
  latestMetric,
  paramValue,
  runDuration,
  searchIdentifier,
} from './runFormat';
import { RunStatus } from './RunStatus';
import { orderByClause, RunOrder, SortableHeader } from './SortableHeader';

const DEFAULT_COLUMNS = 3;

// One line per run: wrapped statuses and times make the table hard to scan.
const oneLinePerRun = { '& th, & td': { whiteSpace: 'nowrap' } } as const;

/** Keys chosen by the user, or the first few of those present when they chose none. */
function useKeyColumns(present: string[]) {
  const [chosen, setChosen] = useState<string[]>();
  const selected = chosen ?? present.slice(0, DEFAULT_COLUMNS);
  // Chosen keys stay offered on pages whose runs lack them.
  const keys = [...new Set([...present, ...selected])].sort();
  return { keys, selected, onChange: setChosen };
}

function RunsTable(props: {
  runs: Run[];
  metricKeys: string[];
  paramKeys: string[];
  order: RunOrder | undefined;
  onOrder: (order: RunOrder) => void;
  selected: Set<string>;
  onSelect: (runIds: string[], checked: boolean) => void;
}) {
  const { runs, metricKeys, paramKeys, order, onOrder, selected, onSelect } =
    props;
  const sortProps = { order, onOrder };
  const pageIds = runs.map(run => run.info.runId);
  const selectedOnPage = pageIds.filter(id => selected.has(id)).length;
  return (
    <Box sx={{ overflow: 'auto' }}>
      <Table size="small" aria-label="runs" sx={oneLinePerRun}>
        <TableHead>
          <TableRow>
            <TableCell padding="checkbox">
              <Checkbox
                inputProps={{ 'aria-label': 'select all runs on this page' }}
                checked={runs.length > 0 && selectedOnPage === runs.length}
                indeterminate={
                  selectedOnPage > 0 && selectedOnPage < runs.length
                }
                onChange={event => onSelect(pageIds, event.target.checked)}
              />
            </TableCell>
            <SortableHeader
              identifier="attributes.run_name"
              defaultDirection="ASC"
              {...sortProps}
            >
              Run
            </SortableHeader>
            <TableCell>Status</TableCell>
            <SortableHeader
              identifier="attributes.start_time"
              defaultDirection="DESC"
              {...sortProps}
            >
              Start time
            </SortableHeader>
            <TableCell>Duration</TableCell>
            <TableCell>User</TableCell>
            {metricKeys.map(key => (
              <SortableHeader
                key={`metric-${key}`}
                identifier={searchIdentifier('metrics', key)}
                defaultDirection="DESC"
                align="right"
                {...sortProps}
              >
                {key}
              </SortableHeader>
            ))}
            {paramKeys.map(key => (
              <SortableHeader
                key={`param-${key}`}
                identifier={searchIdentifier('params', key)}
                defaultDirection="ASC"
                {...sortProps}
              >
                {key}
              </SortableHeader>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {runs.length === 0 && (
            <TableRow>
              <TableCell colSpan={6 + metricKeys.length + paramKeys.length}>
                <MutedText>No run matches.</MutedText>
              </TableCell>
            </TableRow>
          )}
          {runs.map(({ info, data }) => (
            <TableRow
              key={info.runId}
              hover
              selected={selected.has(info.runId)}
            >
              <TableCell padding="checkbox">
                <Checkbox
                  inputProps={{
                    'aria-label': `select ${info.runName || info.runId}`,
                  }}
                  checked={selected.has(info.runId)}
                  onChange={event =>
                    onSelect([info.runId], event.target.checked)
                  }
                />
              </TableCell>
              <TableCell>
                <Link to={`runs/${encodeURIComponent(info.runId)}`}>
                  {info.runName || info.runId}
                </Link>
              </TableCell>
              <TableCell>
                <RunStatus status={info.status} />
              </TableCell>
              <TableCell>{formatTime(info.startTime)}</TableCell>
              <TableCell>{formatDuration(runDuration(info))}</TableCell>
              <TableCell>{info.userId ?? MISSING}</TableCell>
              {metricKeys.map(key => (
                <TableCell key={`metric-${key}`} align="right">
                  {formatMetricValue(latestMetric(data.metrics, key))}
                </TableCell>
              ))}
              {paramKeys.map(key => (
                <TableCell key={`param-${key}`}>
                  {paramValue(data.params, key) ?? MISSING}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

/** One experiment: its runs, searchable, sortable and selectable for comparison. @internal */
export function ExperimentPage() {
  const { experimentId = '' } = useParams();
  const mlApi = useApi(mlApiRef);
  const navigate = useNavigate();
  const paging = usePageTokens(50);
  const [filter, setFilter] = useState('');
  const [order, setOrder] = useState<RunOrder>();
  const [selected, setSelected] = useState<Set<string>>(new Set());

  const experiment = useAsync(
    () => mlApi.getExperiment(experimentId),
    [mlApi, experimentId],
  );
  const runs = useLiveAsync(
    () =>
      mlApi.searchRuns({
        experimentIds: [experimentId],
        filter: filter || undefined,
        orderBy: orderByClause(order),
        maxResults: paging.pageSize,
        pageToken: paging.pageToken,
      }),
    [mlApi, experimentId, filter, order, paging.pageSize, paging.pageToken],
  );

  const loadedRuns = useMemo(() => runs.value?.items ?? [], [runs.value]);
  const metricColumns = useKeyColumns(
    useMemo(
      () => keysByVariation(loadedRuns.map(run => run.data.metrics)),
      [loadedRuns],
    ),
  );
  const paramColumns = useKeyColumns(
    useMemo(
      () => keysByVariation(loadedRuns.map(run => run.data.params)),
      [loadedRuns],
    ),
  );

  if (experiment.loading) return <Progress />;
  if (experiment.error) {
    return (
      <Content>
        <ResponseErrorPanel
          error={experiment.error}
          title="Could not load the experiment"
        />
      </Content>
    );
  }

  const filterError = badFilterMessage(runs.error);
  const select = (runIds: string[], checked: boolean) =>
    setSelected(previous => {
      const next = new Set(previous);
      for (const runId of runIds) {
        if (checked) next.add(runId);
        else next.delete(runId);
      }
      return next;
    });

  const { name, owner } = experiment.value!;
  return (
    <Content>
      <PageTrail
        crumbs={[{ label: 'Experiments', to: '..' }, { label: name }]}
      />
      <InfoCard
        title={name}
        subheader={`Owner ${owner} · experiment ${experimentId}`}
      >
        <Grid container spacing={2} alignItems="flex-start">
          <Grid item xs={12} md={6}>
            <FilterBox
              label="Filter runs"
              placeholder="metrics.auc > 0.8 and params.lr = '0.01'"
              value={filter}
              onSubmit={next => {
                setFilter(next);
                paging.reset();
              }}
              error={filterError}
            />
          </Grid>
          <Grid item>
            <KeySelect label="Metric columns" {...metricColumns} />
          </Grid>
          <Grid item>
            <KeySelect label="Param columns" {...paramColumns} />
          </Grid>
          <Grid item>
            <Button
              variant="contained"
              color="primary"
              disabled={selected.size < 2 || selected.size > MAX_COMPARED_RUNS}
              title={
                selected.size > MAX_COMPARED_RUNS
                  ? `Compare at most ${MAX_COMPARED_RUNS} runs`
                  : 'Select two or more runs to compare'
              }
              onClick={() =>
                navigate(
                  `compare?runs=${[...selected]
                    .map(encodeURIComponent)
                    .join(',')}`,
                )
              }
            >
              Compare ({selected.size})
            </Button>
          </Grid>
          <Grid item xs={12}>
            <Loaded
              state={runs}
              errorTitle="Could not search runs"
              hideError={filterError !== undefined}
            >
              {page => (
                <>
                  <RunsTable
                    runs={page.items}
                    metricKeys={metricColumns.selected}
                    paramKeys={paramColumns.selected}
                    order={order}
                    onOrder={next => {
                      setOrder(next);
                      paging.reset();
                    }}
                    selected={selected}
                    onSelect={select}
                  />
                  <PageControls
                    paging={paging}
                    nextPageToken={page.nextPageToken}
                  />
                </>
              )}
            </Loaded>
          </Grid>
        </Grid>
      </InfoCard>
    </Content>
  );
}
