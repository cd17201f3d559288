import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { ReactNode } from 'react';

/**
 * A short titled list on an entity card (a model's recent versions, a team's
 * top jobs) of `<li>` children; the title names the list for screen readers.
 *
 * @internal
 */
export function CardList(props: {
  title: string;
  ordered?: boolean;
  children: ReactNode;
}) {
  const { title, ordered, children } = props;
  return (
    <Box sx={{ mt: 2 }}>
      <Typography variant="subtitle2">{title}</Typography>
      <Box
        component={ordered ? 'ol' : 'ul'}
        aria-label={title.toLowerCase()}
        sx={{ m: 0, pl: 2.5 }}
      >
        {children}
      </Box>
    </Box>
  );
}
