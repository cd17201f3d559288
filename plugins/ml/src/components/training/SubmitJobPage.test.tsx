import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { JobSpec } from '@ml-portal/plugin-ml-common';
import { MlApi, mlApiRef } from '../../api/MlApi';
import { rootRouteRef } from '../../routes';
import { badRequest } from '../common/testData';
import { makeJob, pools, profiles, unavailable } from './testData';
import { TrainingTab } from './TrainingTab';

function renderSubmit(
  submitJob: MlApi['submitJob'],
  ownershipEntityRefs = ['user:default/guest'],
) {
  const api: Partial<MlApi> = {
    listPools: async () => pools,
    listProfiles: async () => profiles,
    submitJob,
    getJob: async jobId => makeJob({ jobId, name: 'bert-finetune' }),
  };
  return renderInTestApp(<TrainingTab />, {
    mountPath: '/ml/training',
    mountedRoutes: { '/ml': rootRouteRef },
    initialRouteEntries: ['/ml/training/submit'],
    apis: [
      [mlApiRef, api],
      mockApis.identity({
        userEntityRef: ownershipEntityRefs[0],
        ownershipEntityRefs,
      }),
    ],
  });
}

const type = (label: RegExp | string, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });

async function choose(label: string, option: RegExp | string) {
  fireEvent.mouseDown(screen.getByLabelText(label));
  fireEvent.click(within(await screen.findByRole('listbox')).getByText(option));
}

async function fillMinimalForm() {
  await screen.findByRole('form', { name: 'submit job' });
  type(/^Name/, 'bert-finetune');
  await choose('Profile', 'gpu-small');
  type(/^Command/, 'python train.py');
}

// Material UI's selects and autocompletes are slow to drive in jsdom: the first test
// took 7 s alone and over 20 s beside a loaded CI's other workers. A ceiling, not a wait.
jest.setTimeout(60_000);

describe('SubmitJobPage', () => {
  it('sends the job spec the form describes and opens the job', async () => {
    const submitJob = jest.fn(async (spec: JobSpec) =>
      makeJob({ jobId: 'job-42', name: spec.name }),
    );
    await renderSubmit(submitJob);
    await screen.findByRole('form', { name: 'submit job' });

    type(/^Name/, 'bert-finetune');
    await choose('Profile', 'gpu-small');
    // The profile's pools, defaults and limits, and its defaults filled in.
    const summary = screen.getByLabelText('profile summary');
    expect(summary).toHaveTextContent('Fine-tuning on one node');
    expect(summary).toHaveTextContent('h100-spot-us');
    expect(summary).toHaveTextContent('2 GPUs by default · at most 4');
    expect(screen.getByLabelText(/^GPUs/)).toHaveValue(2);
    expect(screen.getByLabelText(/^Max runtime/)).toHaveValue(7200);
    expect(screen.getByText('2h 00m')).toBeInTheDocument();

    type(/^GPUs/, '3');
    type(/^Priority/, '20');
    type(
      /^Command/,
      `torchrun --nproc 3 train.py --note 'first try' --tag "a \\"b\\""`,
    );
    expect(screen.getByLabelText('parsed argv')).toHaveTextContent(
      '["torchrun","--nproc","3","train.py","--note","first try","--tag","a \\"b\\""]',
    );
    type(/^Environment/, 'EPOCHS=3\n\n# comment\nURL=http://x/?a=b');
    type(/^Secret environment/, 'HF_TOKEN=hf/token');
    type(/^Max retries/, '2');
    type(/^Data residency/, 'eu');
    type(/^Experiment/, 'bert');
    const compliance = screen.getByLabelText('Compliance');
    fireEvent.change(compliance, { target: { value: 'hipaa' } });
    fireEvent.keyDown(compliance, { key: 'Enter' });
    fireEvent.click(screen.getByLabelText(/^Spot allowed/));

    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }));

    await waitFor(() => expect(submitJob).toHaveBeenCalledTimes(1));
    expect(submitJob).toHaveBeenCalledWith({
      name: 'bert-finetune',
      profile: 'gpu-small',
      command: [
        'torchrun',
        '--nproc',
        '3',
        'train.py',
        '--note',
        'first try',
        '--tag',
        'a "b"',
      ],
      resources: { gpus: 3 },
      priority: 20,
      // The profile allows spot; the switch turned it off.
      spotAllowed: false,
      env: { EPOCHS: '3', URL: 'http://x/?a=b' },
      secretEnv: [{ name: 'HF_TOKEN', secretRef: 'hf/token' }],
      checkpoint: { intervalSeconds: 600 },
      maxRuntimeSeconds: 7200,
      maxRetries: 2,
      dataResidency: 'eu',
      compliance: ['hipaa'],
      experiment: 'bert',
    });
    // On to the job's page.
    expect(
      await screen.findByText('Why is this job pending?'),
    ).toBeInTheDocument();
  });

  it('submits to an explicit pool', async () => {
    const submitJob = jest.fn(async (spec: JobSpec) =>
      makeJob({ name: spec.name }),
    );
    await renderSubmit(submitJob);
    await screen.findByRole('form', { name: 'submit job' });

    type(/^Name/, 'probe');
    // A user in no group has no owner to choose: the backend's default applies.
    expect(screen.queryByLabelText('Owner')).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('radio', { name: 'Explicit pool' }));
    await choose('Pool', /^h100-spot-us/);
    type(/^Command/, 'nvidia-smi');
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }));

    await waitFor(() =>
      expect(submitJob).toHaveBeenCalledWith({
        name: 'probe',
        pool: 'h100-spot-us',
        command: ['nvidia-smi'],
        resources: { gpus: 1 },
        spotAllowed: false,
      }),
    );
  });

  describe('owner', () => {
    /** The owner the form sends for a user with these refs, after `pick` ran. */
    async function submittedOwner(
      ownershipEntityRefs: string[],
      pick: (owner: HTMLElement) => Promise<void> = async () => {},
    ) {
      const submitJob = jest.fn(async (spec: JobSpec) =>
        makeJob({ name: spec.name, owner: spec.owner }),
      );
      await renderSubmit(submitJob, ownershipEntityRefs);
      await fillMinimalForm();
      await pick(screen.getByLabelText('Owner'));
      fireEvent.click(screen.getByRole('button', { name: 'Submit job' }));
      await waitFor(() => expect(submitJob).toHaveBeenCalledTimes(1));
      return submitJob.mock.calls[0][0].owner;
    }

    it('is the default group, the first, unless another is chosen', async () => {
      expect(
        await submittedOwner(['group:default/nlp', 'group:default/vision']),
      ).toBe('group:default/nlp');
    });

    it("offers the user's groups only, the default chosen", async () => {
      const owner = await submittedOwner(
        ['user:default/alice', 'group:default/nlp', 'group:emea/vision'],
        async select => {
          expect(select).toHaveTextContent('nlp');
          fireEvent.mouseDown(select);
          const options = within(
            await screen.findByRole('listbox'),
          ).getAllByRole('option');
          // Her own user ref owns nothing she submits.
          expect(options.map(option => option.textContent)).toEqual([
            'nlp',
            'emea/vision',
          ]);
          fireEvent.click(options[1]);
          await waitFor(() => expect(select).toHaveTextContent('emea/vision'));
        },
      );
      expect(owner).toBe('group:emea/vision');
    });
  });

  it('holds back a request over the profile limit or with a broken command', async () => {
    const submitJob = jest.fn();
    await renderSubmit(submitJob);
    await fillMinimalForm();

    type(/^GPUs/, '5');
    type(/^Command/, `python -c 'print(1)`);
    type(/^Secret environment/, 'HF_TOKEN');
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }));

    expect(
      await screen.findByText('Profile gpu-small allows at most 4'),
    ).toBeInTheDocument();
    expect(screen.getByText('Unterminated single quote')).toBeInTheDocument();
    expect(screen.getByText('Line 1: expected NAME=value')).toBeInTheDocument();
    expect(
      screen.getByText('Fix the marked fields to submit.'),
    ).toBeInTheDocument();
    expect(submitJob).not.toHaveBeenCalled();
  });

  it("shows the server's 400 message next to the form", async () => {
    await renderSubmit(async () => {
      throw await badRequest(
        "secretEnv[0].secretRef: 'hf/token' is not a secret this team may use",
      );
    });
    await fillMinimalForm();
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      "secretEnv[0].secretRef: 'hf/token' is not a secret this team may use",
    );
    // The form stays filled in to be fixed.
    expect(screen.getByLabelText(/^Name/)).toHaveValue('bert-finetune');
  });

  it('says so when the job queue is unavailable', async () => {
    await renderSubmit(async () => {
      throw await unavailable();
    });
    await fillMinimalForm();
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The job queue is unavailable',
    );
  });
});
