import {
  AzureMachineLearningWorkspaces,
  CommandJob,
} from '@azure/arm-machinelearning';
import { TokenCredential } from '@azure/core-auth';
import { ForwardedError, InputError } from '@backstage/errors';
import { AzureMlWorkspace, isLoopbackHttp } from './config';

/** ARM error codes of a 404 that means the workspace, not the job, is missing. */
const PARENT_NOT_FOUND = new Set([
  'SubscriptionNotFound',
  'ResourceGroupNotFound',
  'ParentResourceNotFound',
  'WorkspaceNotFound',
]);

/**
 * The Azure ML client of a workspace, and the outputs of jobs being created that it puts
 * back into their PUT (see {@link restoreJobOutputs}). The token is sent over TLS only,
 * except to an `http://` loopback endpoint (local fakes): the SDK's bearer policy
 * refuses any non-https URL, even with `allowInsecureConnection`, so for such an
 * endpoint it is replaced by one that refuses any URL but a loopback one.
 *
 * @internal
 */
export function createWorkspaceClient(options: {
  settings: AzureMlWorkspace;
  credential: TokenCredential;
}) {
  const { settings, credential } = options;
  const loopback = isLoopbackHttp(settings.endpoint);
  const client = new AzureMachineLearningWorkspaces(
    credential,
    settings.subscriptionId,
    {
      $host: settings.endpoint,
      endpoint: settings.endpoint,
      allowInsecureConnection: loopback,
    },
  );
  if (loopback) {
    client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
    client.pipeline.addPolicy(
      {
        name: 'loopbackBearerTokenPolicy',
        async sendRequest(request, next) {
          if (!isLoopbackHttp(request.url)) {
            throw new Error(
              `Refusing to send a token to ${request.url}: only loopback URLs may be plain http`,
            );
          }
          request.headers.set(
            'authorization',
            `Bearer ${await tokenOf(credential, settings)}`,
          );
          return next(request);
        },
      },
      { phase: 'Sign' },
    );
  }
  const outputsByJob = new Map<string, CommandJob['outputs']>();
  client.pipeline.addPolicy(restoreJobOutputs(outputsByJob), {
    afterPhase: 'Serialize',
  });
  return { client, outputsByJob };
}

/**
 * Works around a bug of `@azure/arm-machinelearning` 2.1.1 (Azure/azure-sdk-for-js#29328):
 * its serializer looks up `uri_folder` outputs as `JobOutput.uri_folder` but registers
 * them as `AssetJobOutput.uri_folder`, so it sends them without `uri` and `mode`, and
 * Azure ML would write the checkpoints to a default location. After serialization, this
 * policy puts back the outputs the target built into the PUT of the job being created.
 */
function restoreJobOutputs(
  outputsByJob: Map<string, CommandJob['outputs']>,
): Parameters<AzureMachineLearningWorkspaces['pipeline']['addPolicy']>[0] {
  return {
    name: 'restoreJobOutputs',
    async sendRequest(request, next) {
      const name = /\/jobs\/([^/]+)$/.exec(new URL(request.url).pathname)?.[1];
      const outputs =
        request.method === 'PUT' && name
          ? outputsByJob.get(decodeURIComponent(name))
          : undefined;
      if (outputs && typeof request.body === 'string') {
        const body = JSON.parse(request.body);
        body.properties.outputs = outputs;
        request.body = JSON.stringify(body);
      }
      return next(request);
    },
  };
}

/** A token for Azure Resource Manager, whose audience run history accepts too. */
/** @internal */
export async function tokenOf(
  credential: TokenCredential,
  settings: AzureMlWorkspace,
): Promise<string> {
  const token = await credential.getToken(`${settings.endpoint}/.default`);
  if (!token) {
    throw new Error('The Azure credential returned no token');
  }
  return token.token;
}

/**
 * A 404 about the resource itself (job, compute, online endpoint), not about the
 * workspace holding it.
 *
 * @internal
 */
export function isResourceMissing(error: unknown): boolean {
  const { statusCode, code } = error as { statusCode?: number; code?: string };
  return statusCode === 404 && !PARENT_NOT_FOUND.has(code ?? '');
}

/**
 * The error to throw when Azure ML did not do `action` in the workspace: it names the
 * action, the workspace and Azure ML's status and code. An `InputError` passes through.
 *
 * @internal
 */
export function azureMlError(
  workspace: string,
  action: string,
  error: unknown,
): Error {
  if (error instanceof InputError) {
    return error;
  }
  const { statusCode, code } = error as { statusCode?: number; code?: string };
  const detail = [statusCode, code].filter(Boolean).join(' ');
  return new ForwardedError(
    `Azure ML could not ${action} in workspace ${workspace}${
      detail ? ` (${detail})` : ''
    }`,
    error,
  );
}

/**
 * What `read` returns, or undefined where Azure ML answers that the resource is missing
 * (see {@link isResourceMissing}); other failures as {@link azureMlError}.
 *
 * @internal
 */
export async function readOptional<T>(
  workspace: string,
  action: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isResourceMissing(error)) {
      return undefined;
    }
    throw azureMlError(workspace, action, error);
  }
}
