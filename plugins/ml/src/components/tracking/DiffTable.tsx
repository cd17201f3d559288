import { Link } from '@backstage/core-components';
import {
  Box,
  FormControlLabel,
  makeStyles,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';
import { ComparedRun } from './chartSeries';

const useStyles = makeStyles(theme => ({
  // `&&` outranks the theme's striping of odd rows, which would hide the highlight.
  differs: {
    '&&': {
      backgroundColor:
        theme.palette.type === 'dark'
          ? 'rgba(255, 193, 7, 0.16)'
          : 'rgba(255, 193, 7, 0.22)',
    },
  },
  swatch: {
    display: 'inline-block',
    width: 10,
    height: 10,
    borderRadius: '50%',
    marginRight: theme.spacing(0.5),
  },
}));

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
  const classes = useStyles();
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
      <FormControlLabel
        control={
          <Switch
            checked={onlyDifferences}
            onChange={event => setOnlyDifferences(event.target.checked)}
            size="small"
          />
        }
        label={`Only differences (${
          withDiff.filter(r => r.differs).length
        } of ${rows.length})`}
      />
      <Box overflow="auto">
        <Table size="small" aria-label={label}>
          <TableHead>
            <TableRow>
              <TableCell>Key</TableCell>
              {runs.map(({ run, name, color }) => (
                <TableCell key={run.info.runId}>
                  <span
                    className={classes.swatch}
                    style={{ backgroundColor: color }}
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
                  <Typography variant="body2" color="textSecondary">
                    {rows.length === 0 ? 'Nothing logged.' : 'No differences.'}
                  </Typography>
                </TableCell>
              </TableRow>
            )}
            {shown.map(row => (
              <TableRow
                key={row.key}
                className={row.differs ? classes.differs : undefined}
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
