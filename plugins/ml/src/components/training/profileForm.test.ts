import { profileForm, profileRequest } from './profileForm';
import { makeProfile } from './testData';

const base = makeProfile({
  name: 'gpu-small',
  version: 4,
  description: 'Fine-tuning on one node',
  pools: ['a100-eu', 'h100-spot-us'],
  spotPolicy: 'allowed',
  defaults: {
    gpus: 2,
    maxRuntimeSeconds: 7200,
    checkpointIntervalSeconds: 600,
    spotAllowed: true,
    image: 'ghcr.io/acme/train:1',
  },
  limits: { maxGpus: 8, maxCostPerJobUsd: 40 },
});

describe('profileForm', () => {
  it('sends the version it was made from whole, with baseVersion', () => {
    expect(profileRequest(profileForm(base), base)).toEqual({
      errors: {},
      input: {
        baseVersion: 4,
        description: 'Fine-tuning on one node',
        pools: ['a100-eu', 'h100-spot-us'],
        spotPolicy: 'allowed',
        defaults: base.defaults,
        limits: base.limits,
      },
    });
  });

  it('leaves out what is empty: no limit, no image, no description', () => {
    const form = {
      ...profileForm(base),
      maxGpus: '',
      image: ' ',
      description: '',
      maxCostPerJobUsd: '',
    };
    const { input } = profileRequest(form, base);
    expect(input?.limits).toEqual({});
    expect(input?.defaults).not.toHaveProperty('image');
    expect(input).not.toHaveProperty('description');
  });

  it('says what is wrong with each field', () => {
    const form = {
      ...profileForm(base),
      pools: [],
      gpus: '1.5',
      maxRuntimeSeconds: '0',
      maxCostPerJobUsd: '-2',
    };
    expect(profileRequest(form, base)).toEqual({
      errors: {
        pools: 'Choose at least one pool',
        gpus: 'A whole number, at least 0',
        maxRuntimeSeconds: 'A whole number, at least 1',
        maxCostPerJobUsd: 'A number above 0',
      },
    });
    expect(
      profileRequest({ ...profileForm(base), gpus: '9' }, base).errors,
    ).toEqual({ gpus: 'At most the limit, 8' });
  });
});
