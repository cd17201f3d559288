import { emptyJobForm, withProfile } from './jobSpecForm';
import { makeProfile } from './testData';

const profile = (spotPolicy: 'allowed' | 'required' | 'never') =>
  makeProfile({
    name: 'p',
    pools: ['a100'],
    spotPolicy,
    defaults: { gpus: 1 },
    limits: { maxGpus: 8 },
  });

describe('withProfile', () => {
  it('takes the spot setting from a profile that requires or forbids spot, whatever the form said', () => {
    const wantsSpot = { ...emptyJobForm, spotAllowed: true };
    expect(withProfile(wantsSpot, profile('never')).spotAllowed).toBe(false);
    expect(withProfile(emptyJobForm, profile('required')).spotAllowed).toBe(
      true,
    );
    // Where the profile leaves it to the job, the form keeps its choice.
    expect(withProfile(wantsSpot, profile('allowed')).spotAllowed).toBe(true);
    expect(withProfile(emptyJobForm, profile('allowed')).spotAllowed).toBe(
      false,
    );
  });
});
