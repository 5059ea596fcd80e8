import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mobyCorpus, ROOT, tmpDir } from '../helpers/cli.ts';

function run(command: string, args: string[], cwd: string, timeout = 600_000): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_loglevel: 'error' } });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** The worked example of docs/API.md, as it stands there. */
function apiExample(): string {
  const doc = readFileSync(path.join(ROOT, 'docs/API.md'), 'utf8');
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  const example = blocks.find((b) => b.includes('process.argv'));
  assert.ok(example, 'docs/API.md has its worked example');
  return example;
}

/**
 * The example project's lockfile: tltc from the tarball, and its dependencies at exactly the
 * versions this repository's lockfile pins (its non-development entries), so `npm ci --offline`
 * installs them from npm's cache, where this repository's own install put them.
 */
function exampleLock(tarball: string): Record<string, unknown> {
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const own = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string> };
  const packages: Record<string, unknown> = {
    '': { name: 'example', dependencies: { tltc: `file:${tarball}` } },
    'node_modules/tltc': { version: own.version, resolved: `file:${tarball}`, license: 'MIT', dependencies: own.dependencies, bin: own.bin, engines: own.engines },
  };
  for (const [at, entry] of Object.entries(lock.packages)) if (at.startsWith('node_modules/') && !entry.dev) packages[at] = entry;
  return { name: 'example', lockfileVersion: 3, requires: true, packages };
}

describe('the npm package: packed, installed into an empty project, used from TypeScript', () => {
  it("installs from its tarball, type-checks docs/API.md's example against the package's types, and runs it", () => {
    const dir = tmpDir();
    run('npm', ['run', 'build'], ROOT);
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], ROOT)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    assert.ok(files.includes('dist/api/index.js') && files.includes('dist/api/index.d.ts') && files.includes('bin/tltc.js'), 'the tarball holds the build and the CLI');
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('runs/')), 'and no tests or runs');

    const project = path.join(dir, 'example');
    mkdirSync(project);
    const tarball = path.join(dir, packed[0].filename);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'example', private: true, type: 'module', dependencies: { tltc: `file:${tarball}` } }));
    writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(exampleLock(tarball)));
    // Offline from npm's cache, as everything here installs; no install scripts (onnxruntime-node's would fetch GPU binaries).
    run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], project);
    writeFileSync(path.join(project, 'example.ts'), apiExample());
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules/@types')] }, include: ['example.ts'] }),
    );
    run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], project);

    const out = run(process.execPath, ['--import', 'tsx', 'example.ts', mobyCorpus(dir, 3), path.join(dir, 'out')], project);
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { accuracy: number; bytes: number; predictions: { text: string; label: string; score: number }[] };
    assert.ok(result.accuracy >= 0 && result.accuracy <= 1 && result.bytes > 0, out);
    assert.deepEqual(result.predictions.map((p) => p.text), ['A ship on the sea.', 'A barn in a field.']);
    for (const p of result.predictions) assert.ok(['land', 'sea'].includes(p.label) && p.score >= 0.5, JSON.stringify(p));
  });
});
