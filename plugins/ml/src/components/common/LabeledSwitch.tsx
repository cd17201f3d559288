import FormControlLabel from '@mui/material/FormControlLabel';
import Switch from '@mui/material/Switch';

/** A switch with its label beside it: show system tags, only differences, log scale. @internal */
export function LabeledSwitch(props: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  size?: 'small' | 'medium';
}) {
  const { label, checked, onChange, size } = props;
  return (
    <FormControlLabel
      control={
        <Switch
          checked={checked}
          onChange={event => onChange(event.target.checked)}
          size={size}
        />
      }
      label={label}
    />
  );
}
