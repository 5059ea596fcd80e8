/** A python3 that imports torch, for reference checks; CI installs Debian's python3-torch (see .ci/run). */
import { spawnSync } from 'node:child_process';

/** The first of TLTC_PYTHON, python3 on PATH and Debian's /usr/bin/python3 that imports torch. */
export function findTorchPython(): string | undefined {
  return [process.env.TLTC_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

/** node:test's skip option: skipped with a visible reason when absent, except under CI=true, where the test runs and fails. */
export function torchSkip(python: string | undefined): string | false {
  return !python && process.env.CI !== 'true' ? 'PyTorch is not installed (CI installs it; elsewhere: apt-get install python3-torch)' : false;
}
