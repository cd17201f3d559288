import { Config } from '@backstage/config';
import { GpuPool } from '@ml-portal/plugin-ml-node';

/** A pool with the capacity admission hands out. @internal */
export type ConfiguredPool = GpuPool & {
  capacityGpus: number;
  /** Who bills the pool's GPUs: `aws`, `gcp`, `azure`, `local`; from the target unless set. */
  provider?: string;
  /** Billed whether used or not (reserved nodes): its unused GPU-hours show as idle spend. */
  reserved?: boolean;
  /** The pool's own price, over the price book's. */
  gpuHourUsd?: number;
  spotGpuHourUsd?: number;
};

/** The provider a pool's compute target bills through, unless the pool names one. */
export function providerOf(target: string): string | undefined {
  return (
    {
      sagemaker: 'aws',
      vertex: 'gcp',
      azureml: 'azure',
      local: 'local',
    } as Record<string, string>
  )[target];
}

/**
 * The GPU pools of `ml.training.pools`: the platform's capacity, which training admits
 * jobs to and cost prices.
 *
 * @internal
 */
export function readPools(config: Config): ConfiguredPool[] {
  return (config.getOptionalConfigArray('ml.training.pools') ?? []).map(
    pool => {
      const gpusPerNode = pool.getOptionalNumber('gpusPerNode') ?? 1;
      return {
        name: pool.getString('name'),
        target: pool.getString('target'),
        region: pool.getOptionalString('region') ?? 'local',
        gpuType: pool.getString('gpuType'),
        gpusPerNode,
        capacityGpus: (pool.getOptionalNumber('nodes') ?? 1) * gpusPerNode,
        spot: pool.getOptionalBoolean('spot') ?? false,
        labels: pool.getOptional<Record<string, string>>('labels') ?? {},
        taints: (pool.getOptionalConfigArray('taints') ?? []).map(t => ({
          key: t.getString('key'),
          value: t.getOptionalString('value'),
          effect: (t.getOptionalString('effect') ??
            'NoSchedule') as GpuPool['taints'][number]['effect'],
        })),
        instanceType: pool.getOptionalString('instanceType'),
        compliance: pool.getOptionalStringArray('compliance') ?? [],
        provider:
          pool.getOptionalString('provider') ??
          providerOf(pool.getString('target')),
        reserved: pool.getOptionalBoolean('reserved') ?? false,
        gpuHourUsd: pool.getOptionalNumber('gpuHourUsd'),
        spotGpuHourUsd: pool.getOptionalNumber('spotGpuHourUsd'),
      };
    },
  );
}
