import { useApi } from '@backstage/frontend-plugin-api';
import {
  PromotionRequest,
  RegisteredModelDetails,
} from '@ml-portal/plugin-ml-common';
import TextField from '@mui/material/TextField';
import { useId, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { FormDialog, textAreaProps } from '../common/FormDialog';
import { SelectField } from '../common/SelectField';
import { SuggestField } from '../common/SuggestField';
import { aliasProblem, newestFirst } from './registryFormat';

/** Why the request cannot be sent as filled in, by field. */
function problems(
  model: RegisteredModelDetails,
  form: { version: string; alias: string },
) {
  const alias = form.alias.trim();
  const current = model.aliases.find(a => a.alias === alias);
  return {
    version: form.version ? undefined : 'Choose a version',
    alias:
      aliasProblem(alias) ??
      (current && current.version === form.version
        ? `${alias} already points at version ${form.version}`
        : undefined),
  };
}

/**
 * A request to point an alias at a version. A protected alias waits for approval
 * by the model's owners or the approver group; any other alias moves at once.
 *
 * @internal
 */
export function RequestPromotionDialog(props: {
  model: RegisteredModelDetails;
  /** The version chosen when the dialog opens; the newest ready one unless told. */
  initialVersion?: string;
  onClose: () => void;
  onRequested: (request: PromotionRequest) => void;
}) {
  const { model, onClose, onRequested } = props;
  const mlApi = useApi(mlApiRef);
  const id = useId();
  const versions = newestFirst(model.versions);
  const [version, setVersion] = useState(
    props.initialVersion ??
      versions.find(v => v.status === 'READY')?.version ??
      '',
  );
  const [alias, setAlias] = useState('');
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);

  const found = problems(model, { version, alias });
  const invalid = Boolean(found.version || found.alias);
  const trimmedAlias = alias.trim();
  const isProtected = model.protectedAliases.includes(trimmedAlias);
  const aliasOptions = [
    ...new Set([...model.protectedAliases, ...model.aliases.map(a => a.alias)]),
  ];

  const [state, submit] = useAsyncFn(async () => {
    const request = await mlApi.requestPromotion({
      name: model.name,
      version,
      alias: trimmedAlias,
      ...(reason.trim() && { reason: reason.trim() }),
    });
    onRequested(request);
  }, [mlApi, model.name, version, trimmedAlias, reason, onRequested]);

  let aliasHelp: string;
  if (touched && found.alias) {
    aliasHelp = found.alias;
  } else if (isProtected) {
    aliasHelp = `${trimmedAlias} is protected: the request waits for approval by the model's owners or the approver group, after its gates are checked.`;
  } else {
    aliasHelp = trimmedAlias
      ? `${trimmedAlias} is not protected: it moves at once.`
      : 'Protected aliases need an approved request; others move at once.';
  }

  return (
    <FormDialog
      title={`Request promotion of ${model.name}`}
      error={state.error}
      submitLabel={isProtected ? 'Request approval' : 'Move alias'}
      submitDisabled={state.loading || (touched && invalid)}
      onSubmit={() => {
        setTouched(true);
        if (!invalid) submit();
      }}
      onClose={onClose}
    >
      <SelectField
        id={`${id}-version`}
        label="Version"
        value={version}
        options={versions.map(v => ({
          value: v.version,
          label: `Version ${v.version}${
            v.aliases.length > 0 ? ` (${v.aliases.join(', ')})` : ''
          }`,
        }))}
        onChange={setVersion}
        error={touched && Boolean(found.version)}
        helperText={touched ? found.version : undefined}
        fullWidth
        margin="normal"
        size="medium"
      />
      <SuggestField
        value={alias}
        suggestions={aliasOptions}
        onChange={setAlias}
        id={`${id}-alias`}
        label="Alias"
        placeholder="production"
        error={touched && Boolean(found.alias)}
        helperText={aliasHelp}
      />
      <TextField
        id={`${id}-reason`}
        label="Reason"
        placeholder="What is better about this version"
        value={reason}
        onChange={event => setReason(event.target.value)}
        {...textAreaProps}
      />
    </FormDialog>
  );
}
