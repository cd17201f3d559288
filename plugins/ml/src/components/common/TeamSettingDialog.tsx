import TextField from '@mui/material/TextField';
import { ReactNode, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { FormDialog } from './FormDialog';
import { asServerError } from './serverError';
import { teamRef } from './teams';

/**
 * A dialog that sets one thing the platform team owns per team (its budget, its
 * quotas): the team's own when `team` is given, else a group the user names; Save sends
 * `request` (undefined while the fields are invalid) and the server's refusal shows
 * under the fields.
 *
 * @internal
 */
export function TeamSettingDialog<R>(props: {
  /** The team whose setting changes; a new team's is named in the dialog. */
  team?: string;
  title: (team?: string) => string;
  request: R | undefined;
  send: (team: string, request: R) => Promise<unknown>;
  onSaved: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  const { team, request, send, onSaved } = props;
  const [group, setGroup] = useState('');
  const ref = team ?? teamRef(group);
  const [saving, save] = useAsyncFn(async () => {
    if (request === undefined || !ref) return;
    await send(ref, request);
    onSaved();
  }, [send, ref, request, onSaved]);
  return (
    <FormDialog
      title={props.title(team)}
      error={asServerError(saving.error)}
      submitLabel={saving.loading ? 'Saving…' : 'Save'}
      submitDisabled={request === undefined || !ref || saving.loading}
      onSubmit={save}
      onClose={props.onClose}
    >
      {!team && (
        <TextField
          label="Team"
          placeholder="group:default/recsys"
          value={group}
          onChange={event => setGroup(event.target.value)}
          fullWidth
          margin="dense"
        />
      )}
      {props.children}
    </FormDialog>
  );
}
