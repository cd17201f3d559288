import { Link } from '@backstage/core-components';
import { ReactNode } from 'react';
import { useMlPaths } from '../common/mlPaths';

/** An endpoint's name, linking to its page. @internal */
export function EndpointLink(props: { name: string; children?: ReactNode }) {
  const paths = useMlPaths();
  const label = props.children ?? props.name;
  return paths ? (
    <Link to={paths.endpoint(props.name)}>{label}</Link>
  ) : (
    <>{label}</>
  );
}
