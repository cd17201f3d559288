import {
  CreateEndpointRequest,
  EndpointKind,
} from '@ml-portal/plugin-ml-common';
import { ENDPOINT_NAME_PATTERN } from './deploymentFormat';

/** A new endpoint as the deploy dialog's fields hold it. @internal */
export type NewEndpointForm = {
  name: string;
  owner: string;
  kind: EndpointKind;
  target: string;
  serves: 'alias' | 'version';
  alias: string;
  minReplicas: string;
  maxReplicas: string;
  scaleToZeroAfterSeconds: string;
};

/** What is wrong with each field, by field. @internal */
export type NewEndpointErrors = Partial<Record<keyof NewEndpointForm, string>>;

/** An optional whole number field: undefined when empty, NaN when not a whole number. */
function wholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
}

/**
 * The create request the dialog's fields describe for version `version` of
 * `modelName`, or what is wrong with them. The server checks the rest (the
 * model, alias and target exist; the caller acts for the owner).
 *
 * @internal
 */
export function newEndpointRequest(
  form: NewEndpointForm,
  modelName: string,
  version: string,
): { request?: CreateEndpointRequest; errors: NewEndpointErrors } {
  const errors: NewEndpointErrors = {};
  const name = form.name.trim();
  if (!ENDPOINT_NAME_PATTERN.test(name)) {
    errors.name =
      'Lower-case letters, digits and hyphens, starting with a letter (a DNS label)';
  }
  if (!form.owner.trim()) errors.owner = 'Choose the owner group';
  if (!form.target) errors.target = 'Choose a serving target';
  const alias = form.alias.trim();
  if (form.serves === 'alias' && !alias) errors.alias = 'Name the alias';

  const serverless = form.kind === 'serverless';
  const scaled = form.kind !== 'batch';
  const minReplicas = scaled ? wholeNumber(form.minReplicas) : undefined;
  const maxReplicas = scaled ? wholeNumber(form.maxReplicas) : undefined;
  const idle = serverless
    ? wholeNumber(form.scaleToZeroAfterSeconds)
    : undefined;
  if (Number.isNaN(minReplicas)) errors.minReplicas = 'A whole number';
  if (Number.isNaN(maxReplicas) || maxReplicas === 0) {
    errors.maxReplicas = 'A whole number of at least 1';
  } else if (
    minReplicas !== undefined &&
    maxReplicas !== undefined &&
    maxReplicas < minReplicas
  ) {
    errors.maxReplicas = 'At least the minimum';
  }
  if (Number.isNaN(idle) || idle === 0) {
    errors.scaleToZeroAfterSeconds = 'Seconds, at least 1';
  }
  if (Object.keys(errors).length > 0) return { errors };

  return {
    errors,
    request: {
      name,
      owner: form.owner.trim(),
      modelName,
      kind: form.kind,
      target: form.target,
      ...(form.serves === 'alias' ? { alias } : { version }),
      ...(minReplicas !== undefined && { minReplicas }),
      ...(maxReplicas !== undefined && { maxReplicas }),
      ...(idle !== undefined && { scaleToZeroAfterSeconds: idle }),
    },
  };
}
