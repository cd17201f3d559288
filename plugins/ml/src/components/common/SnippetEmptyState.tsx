import { CodeSnippet, EmptyState } from '@backstage/core-components';
import Box from '@mui/material/Box';

/** A snippet of code to copy, e.g. `{ language: 'python', text: 'import mlflow' }`. @internal */
export type Snippet = { language: string; text: string };

/** What a list's empty state says: how to fill it, with the code to copy. @internal */
export type HowToFill = {
  title: string;
  description: string;
  snippets: Snippet[];
};

/** A list's empty state that says how to fill it, with the code to copy. @internal */
export function SnippetEmptyState(props: HowToFill & { maxWidth: number }) {
  return (
    <EmptyState
      missing="data"
      title={props.title}
      description={props.description}
      action={
        <Box sx={{ maxWidth: props.maxWidth }}>
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
