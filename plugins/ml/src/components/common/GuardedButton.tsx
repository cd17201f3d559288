import Button, { ButtonProps } from '@mui/material/Button';
import Tooltip from '@mui/material/Tooltip';

/** The look of a guarded button. @internal */
export type ButtonLook = Pick<ButtonProps, 'color' | 'variant'>;

/** A small button, disabled with `disabledReason` as its tooltip when the caller may not act. @internal */
export function GuardedButton(
  props: ButtonLook & {
    label: string;
    onClick: () => void;
    disabledReason?: string;
  },
) {
  const { label, onClick, disabledReason } = props;
  const button = (
    <Button
      size="small"
      variant={props.variant ?? 'outlined'}
      color={props.color ?? 'primary'}
      disabled={disabledReason !== undefined}
      onClick={onClick}
    >
      {label}
    </Button>
  );
  // A disabled button fires no events: the tooltip hangs on a wrapper.
  return disabledReason ? (
    <Tooltip title={disabledReason}>
      <span>{button}</span>
    </Tooltip>
  ) : (
    button
  );
}
