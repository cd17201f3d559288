import { parseEntityRef } from '@backstage/catalog-model';
import { Link } from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { teamName } from './teams';

/** The owner's entity page params, or undefined for a ref that does not parse. */
function entityParams(ref: string) {
  try {
    const { kind, namespace, name } = parseEntityRef(ref, {
      defaultKind: 'group',
    });
    return {
      kind: kind.toLowerCase(),
      namespace: namespace.toLowerCase(),
      name,
    };
  } catch {
    return undefined;
  }
}

/**
 * An owner group by its short name, linking to its catalog page when the app has a
 * catalog; the full ref shows on hover.
 *
 * @internal
 */
export function OwnerLink(props: { owner: string }) {
  const { owner } = props;
  const entityRoute = useRouteRef(entityRouteRef);
  const params = entityParams(owner);
  if (!entityRoute || !params)
    return <span title={owner}>{teamName(owner)}</span>;
  return (
    <Link to={entityRoute(params)} title={owner}>
      {teamName(owner)}
    </Link>
  );
}
