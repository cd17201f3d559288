/*
 * Bench-only backend: the ml plugin alone on Backstage's default services, configured by
 * bench/app-config.bench.yaml plus APP_CONFIG_* environment variables set by the driver
 * (bench/tracking.ts). Not part of the plugin build; the driver starts it as a child:
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/server.ts --config ...
 */
import { createBackend } from '@backstage/backend-defaults';
import { mlModuleLocalComputeTarget } from '../src';
import { benchRootLogger } from './benchLogger';

const backend = createBackend();

backend.add(benchRootLogger);
backend.add(import('../src'));
// The local compute target: the replica tests run their jobs on this host.
backend.add(mlModuleLocalComputeTarget);

backend.start().catch(error => {
  process.stderr.write(
    `Bench backend failed to start: ${error?.stack ?? error}\n`,
  );
  process.exit(1);
});
