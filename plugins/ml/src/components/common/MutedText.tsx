import Typography from '@mui/material/Typography';
import { ReactNode } from 'react';

/** Secondary body text: what a card says when it has nothing to show. @internal */
export function MutedText(props: { children: ReactNode; paragraph?: boolean }) {
  return (
    <Typography
      variant="body2"
      color="text.secondary"
      paragraph={props.paragraph}
    >
      {props.children}
    </Typography>
  );
}
