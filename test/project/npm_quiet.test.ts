import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/cli.ts';

describe('the command line is quiet', () => {
  it('npx tltc prints its answer and nothing from npm (the project .npmrc holds only keys npm knows)', () => {
    const r = spawnSync('npx', ['tltc', '--version'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0.1.0');
    assert.equal(r.stderr, '', 'no warning from npm');
  });
});
