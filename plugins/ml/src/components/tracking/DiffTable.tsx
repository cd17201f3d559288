import { Link } from '@backstage/core-components';
import Box from '@mui/material/Box';
import { Theme } from '@mui/material/styles';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import { useState } from 'react';
import { LabeledSwitch } from '../common/LabeledSwitch';
import { MutedText } from '../common/MutedText';
import { ComparedRun } from './chartSeries';

// `&&` outranks the theme's striping of odd rows, which would hide the highlight.
const differsSx = {
  '&&': {
    backgroundColor: (theme: Theme) =>
      theme.palette.mode === 'dark'
        ? 'rgba(255, 193, 7, 0.16)'
        : 'rgba(255, 193, 7, 0.22)',
  },
};

/** One row of a diff table: a key and its value in each run, in run order. @internal */
export type DiffRow<T> = { key: string; values: Array<T | undefined> };

/**
 * Keys down, runs across; rows whose values are not all the same are highlighted,
 * and can be shown alone.
 *
 * @internal
 */
export function DiffTable<T>(props: {
  label: string;
  runs: ComparedRun[];
  rows: Array<DiffRow<T>>;
  format: (value: T | undefined) => string;
}) {
  const { label, runs, rows, format } = props;
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const withDiff = rows.map(row => ({
    ...row,
    // Object.is: NaN equals NaN, and a missing value differs from any value.
    differs: row.values.some(value => !Object.is(value, row.values[0])),
  }));
  const shown = onlyDifferences
    ? withDiff.filter(row => row.differs)
    : withDiff;

  return (
    <Box>
      <LabeledSwitch
        label={`Only differences (${
          withDiff.filter(r => r.differs).length
        } of ${rows.length})`}
        checked={onlyDifferences}
        onChange={setOnlyDifferences}
        size="small"
      />
      <Box sx={{ overflow: 'auto' }}>
        <Table size="small" aria-label={label}>
          <TableHead>
            <TableRow>
              <TableCell>Key</TableCell>
              {runs.map(({ run, name, color }) => (
                <TableCell key={run.info.runId}>
                  <Box
                    component="span"
                    sx={{
                      display: 'inline-block',
                      width: 10,
                      height: 10,
                      borderRadius: '50%',
                      mr: 0.5,
                      bgcolor: color,
                    }}
                  />
                  <Link to={`../runs/${encodeURIComponent(run.info.runId)}`}>
                    {name}
                  </Link>
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {shown.length === 0 && (
              <TableRow>
                <TableCell colSpan={runs.length + 1}>
                  <MutedText>
                    {rows.length === 0 ? 'Nothing logged.' : 'No differences.'}
                  </MutedText>
                </TableCell>
              </TableRow>
            )}
            {shown.map(row => (
              <TableRow
                key={row.key}
                sx={row.differs ? differsSx : undefined}
                data-differs={row.differs}
              >
                <TableCell component="th" scope="row">
                  {row.key}
                </TableCell>
                {row.values.map((value, index) => (
                  <TableCell key={runs[index].run.info.runId}>
                    {format(value)}
                  </TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    </Box>
  );
}
