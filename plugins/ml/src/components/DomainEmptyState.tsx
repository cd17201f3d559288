import { Content, EmptyState } from '@backstage/core-components';

/** What one tab of the ML Platform page will hold, shown until it holds something. @internal */
export type MlDomain = {
  title: string;
  description: string;
};

/** The empty state of a tab whose domain has no data yet. @internal */
export function DomainEmptyState(props: { domain: MlDomain }) {
  return (
    <Content>
      <EmptyState
        missing="data"
        title={props.domain.title}
        description={props.domain.description}
      />
    </Content>
  );
}
