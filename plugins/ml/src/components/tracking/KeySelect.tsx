import Checkbox from '@mui/material/Checkbox';
import FormControl from '@mui/material/FormControl';
import InputLabel from '@mui/material/InputLabel';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import { useId } from 'react';

/** A multi-select of metric or param keys. @internal */
export function KeySelect(props: {
  label: string;
  keys: string[];
  selected: string[];
  onChange: (selected: string[]) => void;
}) {
  const { label, keys, selected, onChange } = props;
  const id = useId();
  return (
    <FormControl variant="outlined" size="small" sx={{ minWidth: 200 }}>
      <InputLabel id={`${id}-label`}>{label}</InputLabel>
      <Select
        labelId={`${id}-label`}
        id={id}
        label={label}
        multiple
        value={selected}
        onChange={event =>
          // Keep the keys in their listed order, whatever order they were clicked in.
          onChange(
            keys.filter(key => (event.target.value as string[]).includes(key)),
          )
        }
        renderValue={value =>
          (value as string[]).length === 0
            ? 'none'
            : (value as string[]).join(', ')
        }
        displayEmpty
        disabled={keys.length === 0}
      >
        {keys.map(key => (
          <MenuItem key={key} value={key} dense>
            <Checkbox
              checked={selected.includes(key)}
              size="small"
              color="primary"
            />
            <ListItemText primary={key} />
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}
