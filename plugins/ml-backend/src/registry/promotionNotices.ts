import { ML_NOTIFICATION_TOPICS } from '@ml-portal/plugin-ml-common';
import { MlNotifier } from '../shared/notify';
import { StoredPromotion } from './PromotionStore';

/** The model version page, where the request and its gates are shown. */
const versionLink = (request: StoredPromotion) =>
  `/ml/models/${encodeURIComponent(request.modelName)}/versions/${
    request.version
  }`;

/** `recsys-ranker v3 → 'production'`, or `'production' off recsys-ranker v3`. */
const subject = (request: StoredPromotion) =>
  request.action === 'remove'
    ? `'${request.alias}' off ${request.modelName} v${request.version}`
    : `${request.modelName} v${request.version} → '${request.alias}'`;

/** Requesters are users; a service's or anonymous request has no one to tell. */
const userRef = (actor: string) =>
  actor.startsWith('user:') ? actor : undefined;

/**
 * What approvers and requesters hear of promotion requests, through Backstage
 * notifications: a new request goes to its approver groups (not to the requester), a
 * decision and a canary's outcome to the requester (not to whoever decided). One
 * notification per request and person: later news of it replaces the earlier.
 *
 * @internal
 */
export class PromotionNotices {
  constructor(private readonly notifier: MlNotifier) {}

  async requested(request: StoredPromotion, approverGroups: string[]) {
    const what =
      request.action === 'remove'
        ? `removing alias '${request.alias}' from version ${request.version}`
        : `moving alias '${request.alias}' to version ${request.version}`;
    await this.notifier.send({
      to: approverGroups,
      except: request.requestedBy,
      payload: {
        title: `Approval requested: ${subject(request)}`,
        description: `${request.requestedBy} asks for ${what} of ${
          request.modelName
        }${request.reason ? `: ${request.reason}` : ''}`,
        link: versionLink(request),
        severity: 'normal',
        topic: ML_NOTIFICATION_TOPICS.promotions,
        scope: `ml-promotion:${request.id}`,
      },
    });
  }

  /** An approval or rejection; `waitsForCanary` when the alias moves only after it. */
  async decided(request: StoredPromotion, waitsForCanary: boolean) {
    const requester = userRef(request.requestedBy);
    if (!requester || !request.decidedBy) return;
    const approved = request.status === 'APPROVED';
    await this.notifier.send({
      to: [requester],
      except: request.decidedBy,
      payload: {
        title: `${approved ? 'Approved' : 'Rejected'}: ${subject(request)}`,
        description: `${request.decidedBy} ${
          approved ? 'approved' : 'rejected'
        } your request${
          request.decisionComment ? `: ${request.decisionComment}` : ''
        }${
          waitsForCanary
            ? `. '${request.alias}' moves once the canary of version ${request.version} passes`
            : ''
        }`,
        link: versionLink(request),
        severity: approved ? 'normal' : 'high',
        topic: ML_NOTIFICATION_TOPICS.promotions,
        scope: `ml-promotion:${request.id}`,
      },
    });
  }

  /** The canary an approval waited for ended: the alias moved, or stays. */
  async canaryEnded(
    request: StoredPromotion,
    outcome: { passed: boolean; detail: string },
  ) {
    const requester = userRef(request.requestedBy);
    if (!requester) return;
    await this.notifier.send({
      to: [requester],
      payload: {
        title: outcome.passed
          ? `Promoted: ${subject(request)}`
          : `Canary failed: ${subject(request)}`,
        description: outcome.passed
          ? `'${request.alias}' now points to version ${request.version} of ${request.modelName}: ${outcome.detail}`
          : `'${request.alias}' stays where it was: ${outcome.detail}`,
        link: versionLink(request),
        severity: outcome.passed ? 'normal' : 'high',
        topic: ML_NOTIFICATION_TOPICS.promotions,
        scope: `ml-promotion:${request.id}`,
      },
    });
  }
}
