import { useApi } from '@backstage/frontend-plugin-api';
import Button from '@mui/material/Button';
import DialogContentText from '@mui/material/DialogContentText';
import TextField from '@mui/material/TextField';
import { useId, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { mlApiRef } from '../../api/MlApi';
import { FormDialog, textAreaProps } from '../common/FormDialog';
import { SuggestField } from '../common/SuggestField';
import { useMlPaths } from '../common/mlPaths';

/** How many existing model names the dialog suggests. */
const SUGGESTED_NAMES = 100;

function RegisterModelDialog(props: { runId: string; onClose: () => void }) {
  const { runId, onClose } = props;
  const mlApi = useApi(mlApiRef);
  const paths = useMlPaths();
  const navigate = useNavigate();
  const id = useId();
  const [name, setName] = useState('');
  const [artifactPath, setArtifactPath] = useState('model');
  const [description, setDescription] = useState('');
  const [touched, setTouched] = useState(false);

  // Suggestions only: the dialog works without them.
  const existing = useAsync(
    () => mlApi.listModels({ maxResults: SUGGESTED_NAMES }),
    [mlApi],
  );
  const names = existing.value?.items.map(model => model.name) ?? [];

  const trimmedName = name.trim();
  const trimmedPath = artifactPath.trim().replace(/^\/+|\/+$/g, '');
  const nameProblem = trimmedName ? undefined : 'Name the model';
  const pathProblem = trimmedPath
    ? undefined
    : 'The artifact folder that holds the model, e.g. model';

  const [state, register] = useAsyncFn(async () => {
    const version = await mlApi.registerModelVersion({
      name: trimmedName,
      runId,
      artifactPath: trimmedPath,
      ...(description.trim() && { description: description.trim() }),
    });
    if (paths) navigate(paths.modelVersion(version.name, version.version));
    else onClose();
  }, [mlApi, runId, trimmedName, trimmedPath, description, paths, navigate]);

  const isNew = trimmedName !== '' && !names.includes(trimmedName);
  return (
    <FormDialog
      title="Register a model from this run"
      error={state.error}
      submitLabel="Register"
      submitDisabled={state.loading}
      onSubmit={() => {
        setTouched(true);
        if (!nameProblem && !pathProblem) register();
      }}
      onClose={onClose}
    >
      <DialogContentText>
        The run's artifact folder becomes the model's next version; a new name
        registers the model too.
      </DialogContentText>
      <SuggestField
        value={name}
        suggestions={names}
        onChange={setName}
        id={`${id}-name`}
        label="Model name"
        placeholder="churn-classifier"
        error={touched && Boolean(nameProblem)}
        helperText={
          (touched && nameProblem) ||
          (isNew
            ? `${trimmedName} is a new model`
            : 'An existing model gets a new version')
        }
        // The dialog opens to fill this field: focus moves into it, as the
        // WAI-ARIA dialog pattern has it.
        // eslint-disable-next-line jsx-a11y/no-autofocus
        autoFocus
      />
      <TextField
        id={`${id}-path`}
        label="Artifact path"
        value={artifactPath}
        onChange={event => setArtifactPath(event.target.value)}
        error={touched && Boolean(pathProblem)}
        helperText={
          (touched && pathProblem) ||
          `runs:/${runId}/${trimmedPath || '<path>'}`
        }
        fullWidth
        margin="normal"
        variant="outlined"
      />
      <TextField
        id={`${id}-description`}
        label="Description"
        value={description}
        onChange={event => setDescription(event.target.value)}
        {...textAreaProps}
      />
    </FormDialog>
  );
}

/**
 * Registers a run's model as a new version (of a new or an existing model), then
 * opens the version's page.
 *
 * @internal
 */
export function RegisterModelButton(props: { runId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="outlined" color="primary" onClick={() => setOpen(true)}>
        Register model
      </Button>
      {open && (
        <RegisterModelDialog
          runId={props.runId}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
