import { InfoCard } from '@backstage/core-components';
import Grid, { GridSize } from '@mui/material/Grid';
import { ReactNode } from 'react';

/**
 * A card of a page's grid: full width on small screens, `md` columns of 12
 * from medium up, `lg` from large up.
 *
 * @internal
 */
export function GridCard(props: {
  title: ReactNode;
  subheader?: ReactNode;
  action?: ReactNode;
  md?: GridSize;
  lg?: GridSize;
  children: ReactNode;
}) {
  const { title, subheader, action, md, lg, children } = props;
  return (
    <Grid item xs={12} md={md} lg={lg}>
      <InfoCard title={title} subheader={subheader} action={action}>
        {children}
      </InfoCard>
    </Grid>
  );
}
