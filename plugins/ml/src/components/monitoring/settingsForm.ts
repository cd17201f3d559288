import { MonitoringSettings } from '@ml-portal/plugin-ml-common';

/** An endpoint's monitoring settings as the settings dialog's fields hold them. @internal */
export type SettingsForm = {
  sloP95Ms: string;
  /** Percent, as people write error rates; the API takes a fraction. */
  sloErrorRatePercent: string;
  sloWindowMinutes: string;
  driftEnabled: boolean;
  /** Percent of requests the router samples. */
  sampleRatePercent: string;
  driftWindowMinutes: string;
  minSamples: string;
  psiWarn: string;
  psiAlert: string;
  pValue: string;
  /** A training profile's name; empty for no retraining. */
  retrainingProfile: string;
};

/** What is wrong with each field, by field. @internal */
export type SettingsErrors = Partial<Record<keyof SettingsForm, string>>;

/** A number as a field shows it, without float noise (`0.1 * 100` is `10.000000000000002`). */
const shown = (value: number | undefined) =>
  value === undefined ? '' : String(Number(value.toPrecision(12)));

/** The dialog's fields for `settings`. @internal */
export function settingsForm(settings: MonitoringSettings): SettingsForm {
  const { slo, drift, retraining } = settings;
  return {
    sloP95Ms: shown(slo?.p95Ms),
    sloErrorRatePercent: shown(
      slo?.errorRate === undefined ? undefined : slo.errorRate * 100,
    ),
    sloWindowMinutes: shown(slo?.windowMinutes ?? 5),
    driftEnabled: drift.enabled,
    sampleRatePercent: shown(drift.sampleRate * 100),
    driftWindowMinutes: shown(drift.windowMinutes),
    minSamples: shown(drift.minSamples),
    psiWarn: shown(drift.thresholds.psiWarn),
    psiAlert: shown(drift.thresholds.psiAlert),
    pValue: shown(drift.thresholds.pValue),
    retrainingProfile: retraining?.profile ?? '',
  };
}

type Bounds = { min: number; max: number; whole?: boolean; above?: boolean };

/**
 * A field's number within its bounds (those of the OpenAPI schema), undefined when
 * empty, or what is wrong with it.
 */
function numberIn(
  text: string,
  bounds: Bounds,
): { value?: number; error?: string } {
  const trimmed = text.trim();
  if (!trimmed) return {};
  const value = Number(trimmed);
  const { min, max, whole, above } = bounds;
  const range = above
    ? `above ${min}, at most ${max}`
    : `from ${min} to ${max}`;
  if (!Number.isFinite(value)) return { error: `A number ${range}` };
  if (whole && !Number.isInteger(value)) {
    return { error: `A whole number ${range}` };
  }
  if ((above ? value <= min : value < min) || value > max) {
    return { error: `${whole ? 'A whole number' : 'A number'} ${range}` };
  }
  return { value };
}

/**
 * The settings the fields describe, or what is wrong with them; per-feature
 * thresholds, which the dialog does not edit, stay as `previous` has them. The
 * server checks the rest (the profile exists, the caller owns the endpoint).
 *
 * @internal
 */
export function settingsRequest(
  form: SettingsForm,
  previous: MonitoringSettings,
): { settings?: MonitoringSettings; errors: SettingsErrors } {
  const errors: SettingsErrors = {};
  const read = (
    field: keyof SettingsForm,
    bounds: Bounds,
    required = false,
  ) => {
    const { value, error } = numberIn(String(form[field]), bounds);
    if (error) errors[field] = error;
    else if (required && value === undefined) errors[field] = 'Required';
    return value;
  };
  const p95Ms = read('sloP95Ms', { min: 0.1, max: 600_000 });
  const errorPercent = read('sloErrorRatePercent', { min: 0, max: 100 });
  const sloWindow = read(
    'sloWindowMinutes',
    { min: 1, max: 1440, whole: true },
    true,
  );
  const samplePercent = read(
    'sampleRatePercent',
    { min: 0, max: 100 },
    form.driftEnabled,
  );
  const driftWindow = read(
    'driftWindowMinutes',
    { min: 1, max: 10_080, whole: true },
    true,
  );
  const minSamples = read(
    'minSamples',
    { min: 10, max: 100_000, whole: true },
    true,
  );
  const psiWarn = read('psiWarn', { min: 0, max: 10 }, true);
  const psiAlert = read('psiAlert', { min: 0, max: 10 }, true);
  const pValue = read('pValue', { min: 0, max: 1, above: true }, true);
  if (
    psiWarn !== undefined &&
    psiAlert !== undefined &&
    psiWarn > psiAlert &&
    !errors.psiAlert
  ) {
    errors.psiAlert = 'At least the warning level';
  }
  if (form.driftEnabled && samplePercent === 0) {
    errors.sampleRatePercent = 'Above 0 while drift detection is on';
  }
  if (Object.keys(errors).length > 0) return { errors };

  const profile = form.retrainingProfile.trim();
  return {
    errors,
    settings: {
      slo: {
        windowMinutes: sloWindow!,
        ...(p95Ms !== undefined && { p95Ms }),
        ...(errorPercent !== undefined && { errorRate: errorPercent / 100 }),
      },
      drift: {
        enabled: form.driftEnabled,
        sampleRate:
          samplePercent === undefined
            ? previous.drift.sampleRate
            : samplePercent / 100,
        windowMinutes: driftWindow!,
        minSamples: minSamples!,
        thresholds: { psiWarn, psiAlert, pValue },
        ...(previous.drift.perFeature && {
          perFeature: previous.drift.perFeature,
        }),
      },
      ...(profile && { retraining: { profile } }),
    },
  };
}
