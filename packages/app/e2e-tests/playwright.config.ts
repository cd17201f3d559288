import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromiumExecutable } from './chromium';

const repoRoot = path.resolve(__dirname, '../../..');

/**
 * Browser tests against the real portal (`npm start`: backend on 7007, app on 3000),
 * driven in Debian's Chromium: no browser is ever downloaded.
 */
export default defineConfig({
  testDir: __dirname,
  testMatch: '*.e2e.ts',
  // A ceiling, not a pace: each test waits for the state it needs (support.ts), and on a
  // loaded machine the demo's seeding alone can take minutes.
  timeout: 600_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: path.join(repoRoot, 'test-results'),
  use: {
    baseURL: 'http://localhost:3000',
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: chromiumExecutable(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'npm start',
    cwd: repoRoot,
    // The app's dev server answers first; tests wait for the backend through the page.
    url: 'http://localhost:7007/api/ml/health',
    timeout: 300_000,
    reuseExistingServer: !process.env.CI,
    stdout: 'ignore',
    stderr: 'pipe',
    // A database of its own: the tests count the runs the demo seeding creates, which a
    // developer's own .data/ would not match.
    env: {
      ML_PORTAL_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'ml-portal-e2e-')),
    },
  },
});
