import { Link } from '@backstage/core-components';
import { useSearchParams } from 'react-router-dom';
import { costSearch } from '../common/mlPaths';
import { teamName } from '../common/teams';

/**
 * A team's short name, linking to the cost page filtered to it (the month
 * kept); its full ref shows on hover.
 *
 * @internal
 */
export function TeamFilterLink(props: { team: string }) {
  const [search] = useSearchParams();
  const month = search.get('month') ?? undefined;
  return (
    <Link to={costSearch({ team: props.team, month })} title={props.team}>
      {teamName(props.team)}
    </Link>
  );
}
