/** Headless Chromium for tests: found on PATH; CI installs Debian's `chromium` (see .ci/run). */
import { spawnSync } from 'node:child_process';

export function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('which', [name], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/** node:test's skip option: skipped with a visible reason when absent, except under CI=true, where the test runs and fails. */
export function chromiumSkip(chromium: string | undefined): string | false {
  return !chromium && process.env.CI !== 'true' ? 'chromium is not installed (CI installs it; elsewhere: apt-get install chromium)' : false;
}

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'];
