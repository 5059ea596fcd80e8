import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { linkFileAtomic, writeFileAtomic } from '../../src/util/atomic.ts';
import { tmpDir } from '../helpers/cli.ts';

describe('linkFileAtomic', () => {
  it('stores the bytes once, and a later atomic write to either name leaves the other intact', () => {
    const dir = tmpDir();
    const from = path.join(dir, 'a', 'model.onnx');
    const to = path.join(dir, 'b', 'reference', 'model.onnx');
    writeFileAtomic(from, 'weights');
    linkFileAtomic(from, to);
    assert.equal(readFileSync(to, 'utf8'), 'weights');
    assert.equal(statSync(to).ino, statSync(from).ino, 'one copy on disk');
    writeFileAtomic(to, 'other weights');
    assert.equal(readFileSync(from, 'utf8'), 'weights');
    // Linking over an existing file replaces it.
    writeFileSync(to, 'stale');
    linkFileAtomic(from, to);
    assert.equal(readFileSync(to, 'utf8'), 'weights');
  });
});
