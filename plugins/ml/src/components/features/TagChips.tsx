import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import { Tag } from '@ml-portal/plugin-ml-common';
import { MISSING } from '../common/format';
import { tagLabel } from './featureFormat';

/** Tags as small chips, `key=value`. @internal */
export function TagChips(props: { tags: Tag[] }) {
  if (props.tags.length === 0) return <>{MISSING}</>;
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }}>
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
