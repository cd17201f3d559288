import { Box, Chip } from '@material-ui/core';
import { Tag } from '@ml-portal/plugin-ml-common';
import { MISSING } from '../common/format';
import { tagLabel } from './featureFormat';

/** Tags as small chips, `key=value`. @internal */
export function TagChips(props: { tags: Tag[] }) {
  if (props.tags.length === 0) return <>{MISSING}</>;
  return (
    <Box display="flex" flexWrap="wrap" style={{ gap: 4 }}>
      {props.tags.map(tag => (
        <Chip
          key={tag.key}
          size="small"
          variant="outlined"
          label={tagLabel(tag)}
        />
      ))}
    </Box>
  );
}
