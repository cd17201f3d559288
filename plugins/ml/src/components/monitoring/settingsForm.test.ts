import { settingsForm, settingsRequest } from './settingsForm';
import { monitoringSettings } from './testData';

describe('settingsForm', () => {
  it('round-trips settings through the fields, percentages as people write them', () => {
    const form = settingsForm(monitoringSettings);
    expect(form).toMatchObject({
      sloP95Ms: '200',
      sloErrorRatePercent: '2',
      sampleRatePercent: '10',
      psiAlert: '0.25',
      retrainingProfile: 'cpu-small',
    });
    expect(settingsRequest(form, monitoringSettings)).toEqual({
      errors: {},
      settings: monitoringSettings,
    });
  });

  it('leaves out empty SLO targets and the retraining profile', () => {
    const form = {
      ...settingsForm(monitoringSettings),
      sloP95Ms: ' ',
      sloErrorRatePercent: '',
      retrainingProfile: '',
    };
    const { settings } = settingsRequest(form, monitoringSettings);
    expect(settings?.slo).toEqual({ windowMinutes: 15 });
    expect(settings?.retraining).toBeUndefined();
  });

  it('says what is wrong with each field', () => {
    const form = {
      ...settingsForm(monitoringSettings),
      sloP95Ms: 'fast',
      sloErrorRatePercent: '120',
      sloWindowMinutes: '2.5',
      minSamples: '5',
      psiWarn: '0.3',
      psiAlert: '0.2',
      pValue: '0',
      driftWindowMinutes: '',
    };
    expect(settingsRequest(form, monitoringSettings)).toEqual({
      errors: {
        sloP95Ms: 'A number from 0.1 to 600000',
        sloErrorRatePercent: 'A number from 0 to 100',
        sloWindowMinutes: 'A whole number from 1 to 1440',
        minSamples: 'A whole number from 10 to 100000',
        psiAlert: 'At least the warning level',
        pValue: 'A number above 0, at most 1',
        driftWindowMinutes: 'Required',
      },
    });
  });

  it('refuses sampling nothing while drift detection is on, not while it is off', () => {
    const form = {
      ...settingsForm(monitoringSettings),
      sampleRatePercent: '0',
    };
    expect(settingsRequest(form, monitoringSettings).errors).toEqual({
      sampleRatePercent: 'Above 0 while drift detection is on',
    });
    const off = settingsRequest(
      { ...form, driftEnabled: false },
      monitoringSettings,
    );
    expect(off.settings?.drift).toMatchObject({
      enabled: false,
      sampleRate: 0,
    });
  });
});
