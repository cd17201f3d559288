import { useApi } from '@backstage/frontend-plugin-api';
import { BudgetStatus } from '@ml-portal/plugin-ml-common';
import FormControlLabel from '@mui/material/FormControlLabel';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { FormDialog } from '../common/FormDialog';
import { teamRef } from '../common/teams';
import { budgetForm, budgetRequest } from './budgetForm';

/**
 * Sets a team's monthly budget (the platform team's): the amount, the shares of it
 * that alert the team, and whether it holds new jobs once spent. It replaces the
 * team's config budget; the server's refusal shows under the fields.
 *
 * @internal
 */
export function BudgetDialog(props: {
  /** The budget changed; a new team's without it. */
  budget?: BudgetStatus;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { budget, onClose, onSaved } = props;
  const mlApi = useApi(mlApiRef);
  const [group, setGroup] = useState('');
  const [form, setForm] = useState(() => budgetForm(budget));
  const { request, errors } = budgetRequest(form);
  const team = budget?.team ?? teamRef(group);
  const [saving, save] = useAsyncFn(async () => {
    if (!request || !team) return;
    await mlApi.setBudget(team, request);
    onSaved();
  }, [mlApi, team, request, onSaved]);
  return (
    <FormDialog
      title={budget ? `Budget of ${budget.team}` : "Set a team's budget"}
      error={saving.error}
      submitLabel={saving.loading ? 'Saving…' : 'Save'}
      submitDisabled={!request || !team || saving.loading}
      onSubmit={save}
      onClose={onClose}
    >
      {!budget && (
        <TextField
          label="Team"
          placeholder="group:default/recsys"
          value={group}
          onChange={event => setGroup(event.target.value)}
          fullWidth
          margin="dense"
        />
      )}
      <TextField
        label="Monthly budget (USD)"
        value={form.amount}
        onChange={event => setForm({ ...form, amount: event.target.value })}
        error={errors.amount !== undefined && form.amount !== ''}
        helperText={form.amount !== '' ? errors.amount : undefined}
        fullWidth
        margin="dense"
        inputProps={{ inputMode: 'decimal' }}
      />
      <TextField
        label="Alert at (% of the budget)"
        value={form.alertAt}
        onChange={event => setForm({ ...form, alertAt: event.target.value })}
        error={errors.alertAt !== undefined}
        helperText={
          errors.alertAt ?? "The team's group is notified as spend crosses each"
        }
        fullWidth
        margin="dense"
      />
      <FormControlLabel
        control={
          <Switch
            checked={form.hard}
            onChange={event => setForm({ ...form, hard: event.target.checked })}
          />
        }
        label="Hard: hold the team's new training jobs once spent"
      />
    </FormDialog>
  );
}
