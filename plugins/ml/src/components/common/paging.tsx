import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { useCallback, useMemo, useState } from 'react';
import { SelectField } from './SelectField';

/** Token-based paging: a stack of the tokens of the pages before this one. @internal */
export type PageTokens = {
  pageToken?: string;
  pageNumber: number;
  pageSize: number;
  next(nextPageToken: string): void;
  previous(): void;
  reset(): void;
  setPageSize(pageSize: number): void;
};

/** Paging through a search whose pages are linked by opaque next-page tokens. @internal */
export function usePageTokens(initialPageSize = 25): PageTokens {
  const [tokens, setTokens] = useState<string[]>([]);
  const [pageSize, setSize] = useState(initialPageSize);
  const next = useCallback(
    (token: string) => setTokens(stack => [...stack, token]),
    [],
  );
  const previous = useCallback(
    () => setTokens(stack => stack.slice(0, -1)),
    [],
  );
  const reset = useCallback(() => setTokens([]), []);
  const setPageSize = useCallback((size: number) => {
    setSize(size);
    setTokens([]);
  }, []);
  return useMemo(
    () => ({
      pageToken: tokens[tokens.length - 1],
      pageNumber: tokens.length + 1,
      pageSize,
      next,
      previous,
      reset,
      setPageSize,
    }),
    [tokens, pageSize, next, previous, reset, setPageSize],
  );
}

/** Previous / next buttons and a page-size choice under a paged table. @internal */
export function PageControls(props: {
  paging: PageTokens;
  nextPageToken?: string;
  pageSizes?: number[];
}) {
  const { paging, nextPageToken, pageSizes = [25, 50, 100] } = props;
  return (
    <Box
      sx={{
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'flex-end',
        mt: 1,
      }}
    >
      <SelectField
        label="Rows"
        value={paging.pageSize}
        options={pageSizes}
        onChange={paging.setPageSize}
        sx={{ width: 80, mr: 2 }}
      />
      <Button
        size="small"
        disabled={paging.pageNumber === 1}
        onClick={paging.previous}
      >
        Previous
      </Button>
      <Typography variant="body2" sx={{ mx: 1 }}>
        Page {paging.pageNumber}
      </Typography>
      <Button
        size="small"
        disabled={!nextPageToken}
        onClick={() => nextPageToken && paging.next(nextPageToken)}
      >
        Next
      </Button>
    </Box>
  );
}
