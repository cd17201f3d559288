import { CodeSnippet, EmptyState } from '@backstage/core-components';
import { Box } from '@material-ui/core';

/** A snippet of code to copy, e.g. `{ language: 'python', text: 'import mlflow' }`. @internal */
export type Snippet = { language: string; text: string };

/** A list's empty state that says how to fill it, with the code to copy. @internal */
export function SnippetEmptyState(props: {
  title: string;
  description: string;
  snippets: Snippet[];
  maxWidth: number;
}) {
  return (
    <EmptyState
      missing="data"
      title={props.title}
      description={props.description}
      action={
        <Box maxWidth={props.maxWidth}>
          {props.snippets.map((snippet, index) => (
            <CodeSnippet
              key={index}
              language={snippet.language}
              text={snippet.text}
              showCopyCodeButton
            />
          ))}
        </Box>
      }
    />
  );
}
