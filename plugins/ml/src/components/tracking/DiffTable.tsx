import { Link } from '@backstage/core-components';
import { Run } from '@ml-portal/plugin-ml-common';
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

/**
 * Keys down, runs across; rows whose values are not all the same are highlighted,
 * and can be shown alone.
 *
 * @internal
 */
export function DiffTable<T>(props: {
  label: string;
  runs: ComparedRun[];
  /** The rows: param or metric keys. */
  keys: string[];
  /** A run's value of a key, or undefined where it has none. */
  valueOf: (run: Run, key: string) => T | undefined;
  format: (value: T | undefined) => string;
}) {
  const { label, runs, keys, valueOf, format } = props;
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const rows = keys.map(key => {
    const values = runs.map(({ run }) => valueOf(run, key));
    // Object.is: NaN equals NaN, and a missing value differs from any value.
    const differs = values.some(value => !Object.is(value, values[0]));
    return { key, values, differs };
  });
  const shown = onlyDifferences ? rows.filter(row => row.differs) : rows;

  return (
    <Box>
      <LabeledSwitch
        label={`Only differences (${rows.filter(r => r.differs).length} of ${
          rows.length
        })`}
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
