import { Link } from '@backstage/core-components';
import { ModelVersion } from '@ml-portal/plugin-ml-common';
import { ReactNode } from 'react';
import { MISSING } from '../common/format';
import { useMlPaths } from '../common/mlPaths';

/** A registered model's name, linking to its page. @internal */
export function ModelLink(props: { name: string; children?: ReactNode }) {
  const paths = useMlPaths();
  const label = props.children ?? props.name;
  return paths ? (
    <Link to={paths.model(props.name)}>{label}</Link>
  ) : (
    <>{label}</>
  );
}

/** `Version 3`, linking to the version's page. @internal */
export function VersionLink(props: {
  name: string;
  version: string;
  children?: ReactNode;
}) {
  const paths = useMlPaths();
  const label = props.children ?? `Version ${props.version}`;
  return paths ? (
    <Link to={paths.modelVersion(props.name, props.version)}>{label}</Link>
  ) : (
    <>{label}</>
  );
}

/** The run a version was registered from, linking to the run's page. @internal */
export function SourceRunLink(props: {
  version: Pick<ModelVersion, 'runId' | 'experimentId'>;
  runName?: string;
}) {
  const { runId, experimentId } = props.version;
  const paths = useMlPaths();
  if (!runId) return <>{MISSING}</>;
  const label = props.runName || runId;
  if (!paths || !experimentId) return <>{label}</>;
  return <Link to={paths.run(experimentId, runId)}>{label}</Link>;
}
