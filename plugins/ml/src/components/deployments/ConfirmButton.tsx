import { ReactNode, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { FormDialog } from '../common/FormDialog';
import { MutedText } from '../common/MutedText';
import { asServerError } from '../common/serverError';
import { ButtonLook, GuardedButton } from '../common/GuardedButton';

/** Why the caller may not change an endpoint, for disabled buttons' tooltips. @internal */
export const NO_UPDATE_REASON = "Only the endpoint's owner group may change it";

/**
 * A button that asks first (promote, abort, roll back, delete): the dialog says
 * what will happen, runs `action` on confirmation and shows the server's refusal.
 *
 * @internal
 */
export function ConfirmButton(
  props: ButtonLook & {
    label: string;
    title: string;
    description: ReactNode;
    confirmLabel: string;
    action: () => Promise<unknown>;
    onDone: () => void;
    disabledReason?: string;
  },
) {
  const { title, description, confirmLabel, action, onDone, ...button } = props;
  const [confirming, setConfirming] = useState(false);
  const [state, run] = useAsyncFn(async () => {
    await action();
    setConfirming(false);
    onDone();
  }, [action, onDone]);
  return (
    <>
      <GuardedButton {...button} onClick={() => setConfirming(true)} />
      {confirming && (
        <FormDialog
          title={title}
          error={asServerError(state.error)}
          submitLabel={confirmLabel}
          submitDisabled={state.loading}
          onSubmit={run}
          onClose={() => setConfirming(false)}
        >
          <MutedText>{description}</MutedText>
        </FormDialog>
      )}
    </>
  );
}
