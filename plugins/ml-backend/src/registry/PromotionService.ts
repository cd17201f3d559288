import { AliasCanaries, AliasCanaryInput } from '../shared/aliasCanaries';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  ModelVersion,
  PromotionRequest,
  PromotionRequestStatus,
  Tag,
} from '@ml-portal/plugin-ml-common';
import { AccessControl } from '../shared/AccessControl';
import { Caller } from '../shared/caller';
import { validateAlias } from '../shared/validation';
import { actorOf } from '../shared/caller';
import { versionAudit } from './audit';
import {
  assertGatesPass,
  evaluateGates,
  gatesFor,
  RegistryPolicy,
} from './gates';
import { ModelAccess } from './ModelAccess';
import { MlNotifier, NO_NOTIFICATIONS } from '../shared/notify';
import { PromotionNotices } from './promotionNotices';
import { PromotionStore, StoredPromotion } from './PromotionStore';
import { RegistryRuns } from './registryRuns';
import { RegistryStore, StoredModel } from './RegistryStore';

const LIST_LIMIT = 200;

/** What a request asks, e.g. `moving alias 'production' to version 3`. */
const describeRequest = (request: StoredPromotion) =>
  request.action === 'remove'
    ? `removing alias '${request.alias}' from version ${request.version}`
    : `moving alias '${request.alias}' to version ${request.version}`;

/** Without deployments, an approval moves its alias at once. */
const NO_CANARIES: AliasCanaries = {
  follows: async () => false,
  start: async () => false,
};

/**
 * The promotion workflow: aliases move and come off here. An unprotected alias moves at
 * once (its configured gates must pass); a protected one only through a request that an
 * approver decides and whose gates pass on the source run's metrics at approval. Who
 * approves is registry policy (the model's owner group, the approver group), not a
 * permission. Every change lands with its audit event.
 *
 * @internal
 */
export class PromotionService {
  private readonly models: ModelAccess;
  private readonly notices: PromotionNotices;

  constructor(
    private readonly options: {
      store: PromotionStore;
      models: Pick<RegistryStore, 'getModel' | 'getVersion'>;
      runs: RegistryRuns;
      access: AccessControl;
      policy: RegistryPolicy;
      /** Deployments: an approved version goes to the endpoints following the alias as a canary first. */
      canaries?: AliasCanaries;
      /** Requests to their approvers, decisions to requesters. */
      notifier?: MlNotifier;
      /** Monitoring: open drift alerts on endpoints serving a version. */
      driftAlerts?: (modelName: string, version: number) => Promise<string[]>;
    },
  ) {
    this.models = new ModelAccess(options.models, options.access);
    this.notices = new PromotionNotices(options.notifier ?? NO_NOTIFICATIONS);
  }

  private get canaries(): AliasCanaries {
    return this.options.canaries ?? NO_CANARIES;
  }

  get protectedAliases(): string[] {
    return this.options.policy.protectedAliases;
  }

  /**
   * MLflow's set-alias: an unprotected alias moves at once; a protected one becomes
   * (or finds) a pending promotion request, which is returned.
   */
  async setAlias(
    caller: Caller,
    name: unknown,
    alias: unknown,
    version: unknown,
  ): Promise<PromotionRequest | undefined> {
    const aliasName = validateAlias(alias);
    if (this.protectedAliases.includes(aliasName)) {
      return this.requestPromotion(caller, name, {
        alias: aliasName,
        version,
      });
    }
    const found = await this.models.writableVersion(caller, name, version);
    const metrics = await this.checkUnprotectedGates(found, aliasName);
    await this.options.store.setAlias(found.name, aliasName, found.version, {
      ...versionAudit(
        caller,
        found,
        'alias.set',
        `set alias '${aliasName}' to version ${found.version}`,
      ),
      metrics,
    });
    return undefined;
  }

  /**
   * MLflow's delete-alias: an unprotected alias goes at once; a protected one becomes
   * (or finds) a pending removal request, which is returned, as setting one does.
   */
  async deleteAlias(
    caller: Caller,
    name: unknown,
    alias: unknown,
  ): Promise<PromotionRequest | undefined> {
    const model = await this.models.writableModel(
      caller,
      name,
      'change aliases of',
    );
    const aliasName = validateAlias(alias);
    const from = model.aliases.find(a => a.alias === aliasName)?.version;
    if (this.protectedAliases.includes(aliasName) && from) {
      return this.requestRemoval(caller, model, aliasName, from);
    }
    await this.options.store.deleteAlias(model.name, aliasName, {
      actor: actorOf(caller),
      action: 'alias.deleted',
      detail: `deleted alias '${aliasName}'${
        from ? ` (was version ${from})` : ''
      }`,
      version: from,
    });
    return undefined;
  }

  /**
   * The portal's promote: a protected alias gets a pending request (or the identical
   * one already pending); an unprotected one moves at once, recorded as an approved
   * request.
   */
  async requestPromotion(
    caller: Caller,
    name: unknown,
    input: { alias: unknown; version: unknown; reason?: string },
  ): Promise<PromotionRequest> {
    const { store } = this.options;
    const alias = validateAlias(input.alias);
    const found = await this.models.readableVersion(
      caller,
      name,
      input.version,
    );
    const actor = actorOf(caller);
    const request = {
      modelName: found.name,
      version: found.version,
      alias,
      requestedBy: actor,
      reason: input.reason,
    };
    if (!this.protectedAliases.includes(alias)) {
      await this.models.writableModel(caller, found.name, 'change aliases of');
      const metrics = (await this.checkUnprotectedGates(found, alias)) ?? {};
      const approved = await store.createPromotion(
        { ...request, metrics, gates: [] },
        [
          {
            ...versionAudit(
              caller,
              found,
              'alias.set',
              `set alias '${alias}' to version ${found.version}`,
            ),
            metrics,
          },
        ],
        actor,
      );
      return this.publicPromotion(approved);
    }

    // Any team that reads the model may ask for a protected alias (approvers decide);
    // a caller of no team, such as an unmapped service token, may not.
    this.options.access.assertMember(caller, 'request promotions');
    const pending = await store.findPendingPromotion(
      found.name,
      alias,
      found.version,
    );
    if (pending) return this.publicPromotion(pending);
    const model = await this.models.storedModel(found.name);
    const { metrics, gates } = await this.gateResults(found, alias, model.tags);
    try {
      const created = await store.createPromotion(
        { ...request, metrics, gates },
        [
          {
            ...versionAudit(
              caller,
              found,
              'promotion.requested',
              `requested moving alias '${alias}' to version ${found.version}${
                input.reason ? `: ${input.reason}` : ''
              }`,
            ),
            metrics,
          },
        ],
      );
      await this.notices.requested(
        created,
        this.approverGroups(created.modelOwner),
      );
      return this.publicPromotion(created);
    } catch (error) {
      // The identical request was made meanwhile: it is the answer.
      if (!(error instanceof ConflictError)) throw error;
      const raced = await store.findPendingPromotion(
        found.name,
        alias,
        found.version,
      );
      if (!raced) throw error;
      return this.publicPromotion(raced);
    }
  }

  async listPromotions(
    caller: Caller,
    query: { status?: PromotionRequestStatus; mine?: boolean },
  ): Promise<PromotionRequest[]> {
    const { policy, store } = this.options;
    const groups = new Set(caller.groups);
    const approvesAll =
      policy.approverGroup !== undefined && groups.has(policy.approverGroup);
    const requests = await store.listPromotions({
      status: query.status,
      limit: LIST_LIMIT,
      ...(query.mine && {
        modelOwners: approvesAll ? undefined : [...groups],
        notRequestedBy: policy.allowSelfApproval ? undefined : actorOf(caller),
      }),
    });
    const readable = await this.models.readable(
      caller,
      requests,
      r => r.modelOwner,
    );
    return readable.map(r => this.publicPromotion(r));
  }

  /** A model's requests, or one version's, newest first (for pages the caller may read). */
  async requestsOf(
    modelName: string,
    version?: string,
  ): Promise<PromotionRequest[]> {
    const requests = await this.options.store.listPromotions({
      modelName,
      version,
      limit: LIST_LIMIT,
    });
    return requests.map(r => this.publicPromotion(r));
  }

  /**
   * Approves a pending request: the caller must be in an approver group (and not the
   * requester, unless self-approval is allowed) and every gate must pass on the source
   * run's metrics now. The alias moves in the transaction that records the decision.
   */
  async approvePromotion(
    caller: Caller,
    requestId: string,
    comment?: string,
  ): Promise<PromotionRequest> {
    const { store, policy } = this.options;
    const request = await this.pendingRequest(requestId);
    const actor = actorOf(caller);
    this.assertApprover(caller, request, 'approve');
    if (!policy.allowSelfApproval && request.requestedBy === actor) {
      throw new NotAllowedError(
        `${actor} may not approve their own promotion request ${request.id}; another approver must decide it`,
      );
    }
    // Taking a protected alias off is the rollback path: no gates, the same approvers.
    const checked =
      request.action === 'remove'
        ? undefined
        : await this.passingGates(request);
    const canary =
      request.action === 'set' ? this.canaryFor(request) : undefined;
    const deferAliasMove = canary ? await this.canaries.follows(canary) : false;
    const decided = await store.decidePromotion(
      request.id,
      { status: 'APPROVED', by: actor, comment, ...checked, deferAliasMove },
      {
        actor,
        action: 'promotion.approved',
        detail: `approved ${describeRequest(request)} (requested by ${
          request.requestedBy
        })${comment ? `: ${comment}` : ''}${
          deferAliasMove
            ? `; '${request.alias}' moves once the canary of version ${request.version} passes`
            : ''
        }`,
        version: request.version,
        metrics: checked?.metrics,
      },
    );
    const canaryStarted =
      canary !== undefined &&
      deferAliasMove &&
      (await this.canaries.start(canary));
    await this.notices.decided(decided, canaryStarted);
    if (deferAliasMove && !canaryStarted) {
      // The endpoint changed between the check and the start: no canary to wait for.
      await this.completeCanaryPromotion(request.id, {
        passed: true,
        actor,
        detail: 'no endpoint could run its canary',
      });
    }
    return this.publicPromotion(decided);
  }

  /**
   * Ends an approved promotion that waited for its canary: the alias moves when the
   * canary passed; either way the outcome joins the model's audit trail.
   */
  async completeCanaryPromotion(
    requestId: string,
    outcome: { passed: boolean; detail: string; actor: string },
  ): Promise<void> {
    const { store } = this.options;
    const request = await store.getPromotion(requestId);
    if (!request) return;
    const audit = {
      actor: outcome.actor,
      version: request.version,
      requestId,
    };
    if (outcome.passed) {
      await store.setAlias(request.modelName, request.alias, request.version, {
        ...audit,
        action: 'alias.set',
        detail: `set alias '${request.alias}' to version ${request.version} after its canary: ${outcome.detail}`,
      });
    } else {
      await store.recordAudit(request.modelName, {
        ...audit,
        action: 'promotion.rolled_back',
        detail: `'${request.alias}' stays: ${outcome.detail}`,
      });
    }
    await this.notices.canaryEnded(request, outcome);
  }

  /**
   * Moves an unprotected alias to a version whose canary passed on an endpoint that
   * follows it (the platform acts; the alias's gates still apply). A protected alias
   * moves only through its promotion request.
   */
  async moveAliasAfterCanary(input: {
    modelName: string;
    alias: string;
    version: string;
    actor: string;
    detail: string;
  }): Promise<void> {
    if (this.protectedAliases.includes(input.alias)) {
      throw new NotAllowedError(
        `Alias '${input.alias}' is protected: it moves only through an approved promotion request`,
      );
    }
    const found = await this.models.storedVersion(
      input.modelName,
      input.version,
    );
    const metrics = await this.checkUnprotectedGates(found, input.alias);
    await this.options.store.setAlias(found.name, input.alias, found.version, {
      actor: input.actor,
      action: 'alias.set',
      detail: `set alias '${input.alias}' to version ${found.version} after its canary: ${input.detail}`,
      version: found.version,
      metrics,
    });
  }

  private canaryFor(request: StoredPromotion): AliasCanaryInput {
    return {
      modelName: request.modelName,
      alias: request.alias,
      version: Number(request.version),
      versionId: request.versionId,
      requestId: request.id,
    };
  }

  async rejectPromotion(
    caller: Caller,
    requestId: string,
    comment: string | undefined,
  ): Promise<PromotionRequest> {
    if (!comment?.trim()) {
      throw new InputError('A rejection needs a comment saying why');
    }
    const request = await this.pendingRequest(requestId);
    this.assertApprover(caller, request, 'reject');
    const actor = actorOf(caller);
    const decided = await this.options.store.decidePromotion(
      request.id,
      { status: 'REJECTED', by: actor, comment },
      {
        actor,
        action: 'promotion.rejected',
        detail: `rejected moving alias '${request.alias}' to version ${request.version}: ${comment}`,
        version: request.version,
      },
    );
    await this.notices.decided(decided, false);
    return this.publicPromotion(decided);
  }

  async cancelPromotion(
    caller: Caller,
    requestId: string,
  ): Promise<PromotionRequest> {
    const request = await this.pendingRequest(requestId);
    const actor = actorOf(caller);
    if (request.requestedBy !== actor) {
      throw new NotAllowedError(
        `Only ${request.requestedBy}, who made promotion request ${request.id}, may cancel it`,
      );
    }
    const decided = await this.options.store.decidePromotion(
      request.id,
      { status: 'CANCELLED', by: actor },
      {
        actor,
        action: 'promotion.cancelled',
        detail: `cancelled the request to move alias '${request.alias}' to version ${request.version}`,
        version: request.version,
      },
    );
    return this.publicPromotion(decided);
  }

  /** Whether the caller may decide requests on a model of `modelOwner`. */
  canApprove(caller: Caller, modelOwner: string): boolean {
    const groups = new Set(caller.groups);
    return this.approverGroups(modelOwner).some(g => groups.has(g));
  }

  /** Refuses to delete versions a protected alias points to: its removal needs approval first. */
  refuseProtected(
    aliases: Array<{ alias: string; version: string }>,
    what: string,
  ) {
    const held = aliases.filter(a => this.protectedAliases.includes(a.alias));
    if (held.length > 0) {
      throw new NotAllowedError(
        `Cannot delete ${what}: ${held
          .map(
            a => `protected alias '${a.alias}' points to version ${a.version}`,
          )
          .join(
            ', ',
          )}. Delete the alias first; removing a protected alias is a request an approver decides.`,
      );
    }
  }

  // ---- helpers --------------------------------------------------------------

  /**
   * Asks for a protected alias to come off the version it points to: the rollback path
   * goes through the same approvers as the promotion did.
   */
  private async requestRemoval(
    caller: Caller,
    model: StoredModel,
    alias: string,
    version: string,
  ): Promise<PromotionRequest> {
    const { store } = this.options;
    const pending = await store.findPendingPromotion(
      model.name,
      alias,
      version,
      'remove',
    );
    if (pending) return this.publicPromotion(pending);
    const found = await this.models.storedVersion(model.name, version);
    const request = await store.createPromotion(
      {
        modelName: model.name,
        version,
        alias,
        action: 'remove',
        requestedBy: actorOf(caller),
        metrics: {},
        gates: [],
      },
      [
        versionAudit(
          caller,
          found,
          'promotion.requested',
          `requested removing protected alias '${alias}' from version ${version}`,
        ),
      ],
    );
    await this.notices.requested(
      request,
      this.approverGroups(request.modelOwner),
    );
    return this.publicPromotion(request);
  }

  /** Members of the model's owner group, and of the approver group when configured. */
  private approverGroups(modelOwner: string): string[] {
    const { approverGroup } = this.options.policy;
    return [
      ...new Set([modelOwner, ...(approverGroup ? [approverGroup] : [])]),
    ];
  }

  private assertApprover(
    caller: Caller,
    request: StoredPromotion,
    verb: string,
  ) {
    if (!this.canApprove(caller, request.modelOwner)) {
      throw new NotAllowedError(
        `${actorOf(caller)} may not ${verb} promotion requests of model '${
          request.modelName
        }': approvers are members of ${this.approverGroups(
          request.modelOwner,
        ).join(' or ')}`,
      );
    }
  }

  private async pendingRequest(requestId: string): Promise<StoredPromotion> {
    const request = await this.options.store.getPromotion(requestId);
    if (!request) {
      throw new NotFoundError(`No promotion request with id '${requestId}'`);
    }
    if (request.status !== 'PENDING') {
      throw new ConflictError(
        `Promotion request ${requestId} is ${request.status}, no longer PENDING`,
      );
    }
    return request;
  }

  /** The gates of moving `alias` to the version, on its source run's metrics now. */
  private async gateResults(
    version: ModelVersion,
    alias: string,
    modelTags: Tag[],
  ) {
    const metrics = version.runId
      ? (await this.options.runs.latestMetrics(version.runId))?.metrics ?? {}
      : {};
    const { driftAlerts } = this.options;
    const gates = evaluateGates(
      gatesFor(this.options.policy, alias, modelTags),
      {
        version: version.version,
        runId: version.runId,
        metrics,
        openDriftAlerts: await driftAlerts?.(
          version.name,
          Number(version.version),
        ),
      },
    );
    return { metrics, gates };
  }

  /**
   * The gates of a request to move an alias, on the source run's metrics now; a
   * ConflictError names each that fails. Approvers decide by registry policy, whatever
   * the permission policy lets them read.
   */
  private async passingGates(request: StoredPromotion) {
    const version = await this.models.storedVersion(
      request.modelName,
      request.version,
    );
    const model = await this.models.storedModel(request.modelName);
    const checked = await this.gateResults(version, request.alias, model.tags);
    assertGatesPass(
      checked.gates,
      `Promotion request ${request.id} cannot be approved`,
    );
    return checked;
  }

  /** Configured gates of an unprotected alias must pass too; their metrics are audited. */
  private async checkUnprotectedGates(
    version: ModelVersion,
    alias: string,
  ): Promise<Record<string, number> | undefined> {
    if (gatesFor(this.options.policy, alias, []).length === 0) return undefined;
    const { metrics, gates } = await this.gateResults(version, alias, []);
    assertGatesPass(
      gates,
      `Alias '${alias}' cannot move to version ${version.version}`,
    );
    return metrics;
  }

  private publicPromotion(request: StoredPromotion): PromotionRequest {
    const { modelId: _m, modelOwner, versionId: _v, ...rest } = request;
    return { ...rest, approverGroups: this.approverGroups(modelOwner) };
  }
}
