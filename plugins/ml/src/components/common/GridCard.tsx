import { InfoCard } from '@backstage/core-components';
import Grid, { GridSize } from '@mui/material/Grid';
import { ReactNode } from 'react';

/** A card of a page's grid: full width on small screens, `md` columns of 12 from medium up. @internal */
export function GridCard(props: {
  title: ReactNode;
  subheader?: ReactNode;
  action?: ReactNode;
  md?: GridSize;
  children: ReactNode;
}) {
  const { title, subheader, action, md, children } = props;
  return (
    <Grid item xs={12} md={md}>
      <InfoCard title={title} subheader={subheader} action={action}>
        {children}
      </InfoCard>
    </Grid>
  );
}
