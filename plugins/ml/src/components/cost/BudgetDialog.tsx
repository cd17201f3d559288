import { useApi } from '@backstage/frontend-plugin-api';
import { BudgetStatus } from '@ml-portal/plugin-ml-common';
import FormControlLabel from '@mui/material/FormControlLabel';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import { mlApiRef } from '../../api/MlApi';
import { TeamSettingDialog } from '../common/TeamSettingDialog';
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
  const { budget } = props;
  const mlApi = useApi(mlApiRef);
  const [form, setForm] = useState(() => budgetForm(budget));
  const { request, errors } = budgetRequest(form);
  return (
    <TeamSettingDialog
      team={budget?.team}
      title={team => (team ? `Budget of ${team}` : "Set a team's budget")}
      request={request}
      send={(team, body) => mlApi.setBudget(team, body)}
      onSaved={props.onSaved}
      onClose={props.onClose}
    >
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
    </TeamSettingDialog>
  );
}
