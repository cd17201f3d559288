/*
 * Bench-only backend: the ml plugin alone on Backstage's default services, configured by
 * bench/app-config.bench.yaml plus APP_CONFIG_* environment variables set by the driver
 * (bench/tracking.ts). Not part of the plugin build; started as a child process with
 * `node --require @backstage/cli/config/nodeTransform.cjs bench/server.ts --config ...`.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();
backend.add(import('../src'));
backend.start().catch(error => {
  process.stderr.write(`Bench backend failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
