import {
  Link,
  sidebarConfig,
  useSidebarOpenState,
} from '@backstage/core-components';
import { makeStyles, Typography } from '@material-ui/core';

const useStyles = makeStyles({
  root: {
    height: 3 * sidebarConfig.logoHeight,
    display: 'flex',
    alignItems: 'center',
    marginBottom: -14,
    paddingLeft: 24,
  },
  mark: { color: '#fff', fontWeight: 700, letterSpacing: 1 },
});

/** A text mark: the portal has no logo artwork of its own yet. */
export const SidebarLogo = () => {
  const classes = useStyles();
  const { isOpen } = useSidebarOpenState();
  return (
    <div className={classes.root}>
      <Link to="/" underline="none" aria-label="Home">
        <Typography variant="h6" className={classes.mark}>
          {isOpen ? 'ML Portal' : 'ML'}
        </Typography>
      </Link>
    </div>
  );
};
