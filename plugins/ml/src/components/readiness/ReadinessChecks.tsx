import { Link } from '@backstage/core-components';
import { ReadinessCheck } from '@ml-portal/plugin-ml-common';
import { DataTable } from '../common/DataTable';
import { useMlPaths } from '../common/mlPaths';
import { ReadinessStatus } from './ReadinessStatus';

/** A check's fix, linking to the page where it is done when there is one. */
function FixLink(props: { check: ReadinessCheck }) {
  const { check } = props;
  const paths = useMlPaths();
  if (!check.fixUrl || !paths) return <>{check.fix}</>;
  return <Link to={paths.relative(check.fixUrl)}>{check.fix}</Link>;
}

/**
 * A scorecard's checks: each one's status, the fact behind it and how to fix it.
 *
 * @internal
 */
export function ReadinessChecks(props: { checks: ReadinessCheck[] }) {
  return (
    <DataTable<ReadinessCheck>
      label="readiness checks"
      rows={props.checks}
      rowKey={check => check.id}
      empty="No checks."
      columns={[
        { title: 'Check', render: check => check.title, wrap: true },
        {
          title: 'Status',
          render: check => <ReadinessStatus status={check.status} />,
        },
        { title: 'Fact', render: check => check.fact, wrap: 'anywhere' },
        {
          title: 'How to fix',
          render: check =>
            check.status === 'pass' ? '' : <FixLink check={check} />,
          wrap: true,
        },
      ]}
    />
  );
}
