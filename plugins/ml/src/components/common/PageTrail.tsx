import { Link } from '@backstage/core-components';
import Breadcrumbs from '@mui/material/Breadcrumbs';
import Typography from '@mui/material/Typography';

/** One step of the trail: a link when it has somewhere to go. @internal */
export type Crumb = { label: string; to?: string };

/**
 * The breadcrumb trail from a domain's list down to the page shown (an
 * experiment's runs, a model's versions, a job); `to` paths are relative to
 * the route of the page that renders it.
 *
 * @internal
 */
export function PageTrail(props: { crumbs: Crumb[] }) {
  return (
    <Breadcrumbs aria-label="breadcrumb" sx={{ mb: 2 }}>
      {props.crumbs.map(crumb =>
        crumb.to !== undefined ? (
          <Link key={crumb.label} to={crumb.to}>
            {crumb.label}
          </Link>
        ) : (
          <Typography key={crumb.label} color="text.primary">
            {crumb.label}
          </Typography>
        ),
      )}
    </Breadcrumbs>
  );
}
