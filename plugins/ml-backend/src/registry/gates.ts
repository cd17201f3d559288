import { Config } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import { GateResult, PromotionGate, Tag } from '@ml-portal/plugin-ml-common';

/** Model tags `mlplatform.gate.<metric>` = `>=0.85` add metric gates to protected aliases. @internal */
export const GATE_TAG_PREFIX = 'mlplatform.gate.';

type MetricOp = Extract<PromotionGate, { type: 'metric' }>['op'];
const OPS: readonly MetricOp[] = ['>=', '<=', '>', '<'];

/** The registry's policy, from `ml.registry`. @internal */
export type RegistryPolicy = {
  /** Aliases that move only through an approved promotion request. */
  protectedAliases: string[];
  /** A group that may decide every model's requests, besides each model's owner. */
  approverGroup?: string;
  /** Whether a requester may approve their own request. */
  allowSelfApproval: boolean;
  /** Gates per alias from config. */
  gates: Array<{ alias: string; gate: PromotionGate }>;
};

function readGate(config: Config): { alias: string; gate: PromotionGate } {
  const alias = config.getString('alias');
  const type = config.getOptionalString('type') ?? 'metric';
  if (type === 'no-open-drift-alert') {
    return { alias, gate: { type } };
  }
  if (type !== 'metric') {
    throw new Error(
      `Invalid ml.registry.gates entry for alias '${alias}': unknown type '${type}'`,
    );
  }
  const op = config.getString('op') as MetricOp;
  if (!OPS.includes(op)) {
    throw new Error(
      `Invalid ml.registry.gates entry for alias '${alias}': op must be one of ${OPS.join(
        ', ',
      )}, got '${op}'`,
    );
  }
  return {
    alias,
    gate: {
      type: 'metric',
      metric: config.getString('metric'),
      op,
      threshold: config.getNumber('threshold'),
    },
  };
}

/** @internal */
export function readRegistryPolicy(config: Config): RegistryPolicy {
  const registry = config.getOptionalConfig('ml.registry');
  return {
    protectedAliases: registry?.getOptionalStringArray('protectedAliases') ?? [
      'production',
    ],
    approverGroup: registry?.getOptionalString('approverGroup'),
    allowSelfApproval:
      registry?.getOptionalBoolean('allowSelfApproval') ?? false,
    gates: (registry?.getOptionalConfigArray('gates') ?? []).map(readGate),
  };
}

/**
 * The metric gate a `mlplatform.gate.<metric>` tag states, e.g. `>=0.85`; InputError
 * when the value says something else.
 *
 * @internal
 */
export function parseGateTag(tag: Tag): PromotionGate {
  const metric = tag.key.slice(GATE_TAG_PREFIX.length);
  const match =
    // `\d+(?:\.\d*)?`, not `\d+\.?\d*`: both quantifiers could take the same digits,
    // which backtracks quadratically on a long run of digits.
    /^\s*(>=|<=|>|<)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$/.exec(
      tag.value,
    );
  if (!metric || !match) {
    throw new InputError(
      `Invalid gate tag '${tag.key}' = '${tag.value}': name a metric after '${GATE_TAG_PREFIX}' and give a comparison such as '>=0.85'`,
    );
  }
  return {
    type: 'metric',
    metric,
    op: match[1] as MetricOp,
    threshold: Number(match[2]),
  };
}

/** The gates a move of `alias` must pass: the alias's configured gates, and the model's tag gates for protected aliases. @internal */
export function gatesFor(
  policy: RegistryPolicy,
  alias: string,
  modelTags: Tag[],
): PromotionGate[] {
  const configured = policy.gates
    .filter(g => g.alias === alias)
    .map(g => g.gate);
  if (!policy.protectedAliases.includes(alias)) return configured;
  const tagged = modelTags
    .filter(tag => tag.key.startsWith(GATE_TAG_PREFIX))
    .map(parseGateTag);
  return [...configured, ...tagged];
}

const compare: Record<MetricOp, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
};

/** Checks gates against the source run's latest metrics. @internal */
export function evaluateGates(
  gates: PromotionGate[],
  source: {
    version: string;
    runId?: string;
    metrics: Record<string, number>;
    /** Open drift alerts on endpoints serving the version; undefined without monitoring. */
    openDriftAlerts?: string[];
  },
): GateResult[] {
  return gates.map(gate => {
    if (gate.type === 'no-open-drift-alert') {
      const open = source.openDriftAlerts;
      if (open === undefined) {
        return { gate, passed: true, detail: 'no drift monitoring configured' };
      }
      return open.length === 0
        ? { gate, passed: true, detail: 'no open drift alert' }
        : {
            gate,
            passed: false,
            detail: `${open.length} open drift alert${
              open.length === 1 ? '' : 's'
            }: ${open.join('; ')}`,
          };
    }
    if (!source.runId) {
      return {
        gate,
        passed: false,
        detail: `version ${source.version} has no source run to read ${gate.metric} from`,
      };
    }
    const value = source.metrics[gate.metric];
    if (value === undefined) {
      return {
        gate,
        passed: false,
        detail: `no ${gate.metric} metric on run ${source.runId}`,
      };
    }
    const passed = compare[gate.op](value, gate.threshold);
    return {
      gate,
      passed,
      detail: `${gate.metric} ${value} ${passed ? '' : 'not '}${gate.op} ${
        gate.threshold
      }`,
    };
  });
}

/** `accuracy >= 0.8`, for messages. @internal */
export function describeGate(gate: PromotionGate): string {
  return gate.type === 'metric'
    ? `${gate.metric} ${gate.op} ${gate.threshold}`
    : gate.type;
}

/** ConflictError naming each failed gate, when any fails; `what` says what they stop. @internal */
export function assertGatesPass(results: GateResult[], what: string): void {
  const failed = results.filter(g => !g.passed);
  if (failed.length > 0) {
    throw new ConflictError(
      `${what}: ${failed
        .map(g => `gate '${describeGate(g.gate)}' failed (${g.detail})`)
        .join('; ')}`,
    );
  }
}
