import { existsSync } from 'node:fs';

/**
 * The Chromium the browser tests drive: `CHROMIUM_PATH`, else Debian's. Playwright never
 * downloads one here, so a missing browser ends the run at once, in one line that says how
 * to install it, before `npm start` is started for nothing (Playwright's own error comes
 * only after the portal is up, and names no package).
 */
export function chromiumExecutable(): string {
  const executable = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executable)) {
    // A thrown error would print Playwright's stack of its config loader under the line.
    process.stderr.write(
      `No Chromium at ${executable}: install it with \`apt-get install chromium\`, or set CHROMIUM_PATH to one.\n`,
    );
    process.exit(1);
  }
  return executable;
}
