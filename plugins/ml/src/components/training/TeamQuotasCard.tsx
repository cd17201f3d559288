import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  TeamQuotas,
  mlTrainingQuotaUpdatePermission,
} from '@ml-portal/plugin-ml-common';
import { usePermission } from '@backstage/plugin-permission-react';
import Button from '@mui/material/Button';
import Grid from '@mui/material/Grid';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { mlApiRef } from '../../api/MlApi';
import { DataTable } from '../common/DataTable';
import { formatTime } from '../common/format';
import { Loaded } from '../common/Loaded';
import { OwnerLink } from '../common/OwnerLink';
import { TeamSettingDialog } from '../common/TeamSettingDialog';
import { quotaForm, quotaRequest, quotaText } from './quotaForm';

/**
 * Sets a team's quotas in every pool at once (blank: no quota there); a new team is
 * named by its group. The server's refusal shows under the fields.
 */
function QuotaDialog(props: {
  team?: TeamQuotas;
  pools: string[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const { team, pools } = props;
  const mlApi = useApi(mlApiRef);
  const [form, setForm] = useState(() => quotaForm(pools, team?.quotas ?? []));
  const { quotas, errors } = quotaRequest(form);
  return (
    <TeamSettingDialog
      team={team?.team}
      title={ref => (ref ? `GPU quotas of ${ref}` : "Set a team's GPU quotas")}
      request={quotas}
      send={(ref, request) => mlApi.setTeamQuotas(ref, request)}
      onSaved={props.onSaved}
      onClose={props.onClose}
    >
      <Typography variant="body2" sx={{ my: 1 }}>
        GPUs the team is guaranteed per pool, and how many more it may borrow
        while others leave them idle. These replace its config entries; the next
        admission cycle applies them.
      </Typography>
      <Grid container spacing={2} sx={{ mt: 0 }}>
        {pools.map(pool => (
          <Grid item xs={12} key={pool} container spacing={2}>
            <Grid item xs={6}>
              <TextField
                label={`${pool}: guaranteed GPUs`}
                value={form[pool].nominal}
                onChange={event =>
                  setForm({
                    ...form,
                    [pool]: { ...form[pool], nominal: event.target.value },
                  })
                }
                error={errors[pool] !== undefined}
                helperText={errors[pool]}
                fullWidth
                inputProps={{ inputMode: 'numeric' }}
              />
            </Grid>
            <Grid item xs={6}>
              <TextField
                label={`${pool}: may borrow`}
                value={form[pool].borrowing}
                onChange={event =>
                  setForm({
                    ...form,
                    [pool]: { ...form[pool], borrowing: event.target.value },
                  })
                }
                fullWidth
                inputProps={{ inputMode: 'numeric' }}
              />
            </Grid>
          </Grid>
        ))}
      </Grid>
    </TeamSettingDialog>
  );
}

/**
 * Every team's GPU quotas as admission applies them, with where each was set (config,
 * or by whom through the portal); platform members set them here.
 *
 * @internal
 */
export function TeamQuotasCard(props: { pools: string[] }) {
  const mlApi = useApi(mlApiRef);
  const [version, setVersion] = useState(0);
  const quotas = useAsync(() => mlApi.listTeamQuotas(), [mlApi, version]);
  const { allowed: mayEdit } = usePermission({
    permission: mlTrainingQuotaUpdatePermission,
  });
  // undefined: closed; null: a team not listed yet.
  const [editing, setEditing] = useState<TeamQuotas | null>();
  const saved = () => {
    setEditing(undefined);
    setVersion(v => v + 1);
  };
  return (
    <InfoCard
      title="Team quotas"
      subheader="What each team is guaranteed per pool; admission holds a job past its team's share"
      action={
        mayEdit ? (
          <Button onClick={() => setEditing(null)}>Set a team's quotas</Button>
        ) : undefined
      }
    >
      <Loaded state={quotas} errorTitle="Could not list the quotas">
        {teams => (
          <DataTable<TeamQuotas>
            label="team quotas"
            rows={teams}
            rowKey={t => t.team}
            empty="No team has a quota: every job shares the pools' capacity."
            emptyAs="text"
            columns={[
              { title: 'Team', render: t => <OwnerLink owner={t.team} /> },
              { title: 'Quotas', wrap: true, render: t => quotaText(t.quotas) },
              {
                title: 'Set',
                render: t =>
                  t.source === 'api'
                    ? `by ${t.updatedBy ?? 'the platform'}${
                        t.updatedAt ? `, ${formatTime(t.updatedAt)}` : ''
                      }`
                    : 'in config',
              },
              ...(mayEdit
                ? [
                    {
                      title: '',
                      render: (t: TeamQuotas) => (
                        <Button size="small" onClick={() => setEditing(t)}>
                          Edit
                        </Button>
                      ),
                    },
                  ]
                : []),
            ]}
          />
        )}
      </Loaded>
      {editing !== undefined && (
        <QuotaDialog
          team={editing ?? undefined}
          pools={props.pools}
          onClose={() => setEditing(undefined)}
          onSaved={saved}
        />
      )}
    </InfoCard>
  );
}
