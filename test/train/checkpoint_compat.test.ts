import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configChecksum, listCheckpoints, loadCheckpoint, type CheckpointConfig } from '../../src/train/checkpoint.ts';
import { mobyTokenizer, saveTinyCheckpoint } from '../helpers/checkpoints.ts';
import { tmpDir } from '../helpers/cli.ts';

describe('checkpoints from before the embedding norm', () => {
  it('a config.json without embedding_norm loads as a model without the norm, with its parameters', () => {
    const dir = tmpDir('tltc-compat-');
    const saved = saveTinyCheckpoint(path.join(dir, 'run'), mobyTokenizer(100), 'tltc-mlm', undefined, 1, { embedding_norm: false });
    const ck = listCheckpoints(saved.dir).at(-1)!;
    const file = path.join(ck, 'config.json');
    // Rewrite config.json as an older tltc wrote it: no embedding_norm field, a valid checksum.
    const { checksum: _old, ...config } = JSON.parse(readFileSync(file, 'utf8')) as CheckpointConfig;
    const { embedding_norm: _norm, ...model } = config.model;
    const legacy = { ...config, model } as Omit<CheckpointConfig, 'checksum'>;
    writeFileSync(file, JSON.stringify({ ...legacy, checksum: configChecksum(legacy) }, null, 2));
    const loaded = loadCheckpoint(saved.dir);
    assert.equal(loaded.config.model.embedding_norm, false);
    assert.ok(![...loaded.params.keys()].some((k) => k.includes('embeddings.LayerNorm')));
    assert.equal(loaded.params.size, saved.params.length);
  });
});
