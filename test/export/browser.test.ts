import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createSession } from '../../src/runtime/session.ts';
import { PAD } from '../../src/tokenizer/tokenizer.ts';
import { CHROMIUM_FLAGS, chromiumSkip, findChromium } from '../helpers/browser.ts';
import { mobyTokenizer, paddedBatch, saveTinyCheckpoint } from '../helpers/checkpoints.ts';
import { ROOT, runCli, tmpDir } from '../helpers/cli.ts';

const FILES = ['model.onnx', 'model_quantized.onnx', 'model_q4.onnx'];
const TEXTS = ['Call me Ishmael.', 'Some years ago, never mind how long precisely, having little or no money in my purse.'];

/** The page: onnxruntime-web (wasm, one thread) runs every file on the same rows and posts the logits back. */
const page = (rows: number[][]) => `<!doctype html><meta charset="utf-8"><script type="module">
import * as ort from '/ort/ort.wasm.min.mjs';
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = '/ort/';
const rows = ${JSON.stringify(rows)};
const len = Math.max(...rows.map((r) => r.length));
const ids = new BigInt64Array(rows.length * len).fill(${PAD}n);
const mask = new BigInt64Array(rows.length * len);
rows.forEach((r, b) => r.forEach((t, j) => { ids[b * len + j] = BigInt(t); mask[b * len + j] = 1n; }));
const post = (body) => fetch('/result', { method: 'POST', body: JSON.stringify(body) });
try {
  const out = {};
  for (const file of ${JSON.stringify(FILES)}) {
    const session = await ort.InferenceSession.create('/model/onnx/' + file);
    const r = await session.run({ input_ids: new ort.Tensor('int64', ids, [rows.length, len]), attention_mask: new ort.Tensor('int64', mask, [rows.length, len]) });
    out[file] = { dims: r.logits.dims, logits: Array.from(r.logits.data) };
  }
  await post({ ok: true, out, userAgent: navigator.userAgent });
} catch (err) {
  await post({ ok: false, error: String(err && err.stack || err) });
}
</script>`;

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.json': 'application/json' };

interface BrowserResult {
  ok: boolean;
  error?: string;
  userAgent?: string;
  out?: Record<string, { dims: number[]; logits: number[] }>;
}

function serve(html: string, modelDir: string, onResult: (r: BrowserResult) => void): Promise<Server> {
  const ortDir = path.join(ROOT, 'node_modules/onnxruntime-web/dist');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/result') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.end('ok');
        onResult(JSON.parse(body) as BrowserResult);
      });
      return;
    }
    if (url.pathname === '/') {
      res.setHeader('content-type', 'text/html');
      res.end(html);
      return;
    }
    const [root, rel] = url.pathname.startsWith('/ort/') ? [ortDir, url.pathname.slice(5)] : url.pathname.startsWith('/model/') ? [modelDir, url.pathname.slice(7)] : ['', ''];
    const file = path.join(root, rel);
    if (!root || !file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('exported models in the browser (onnxruntime-web, headless Chromium)', () => {
  const chromium = findChromium();
  const dir = tmpDir();
  let server: Server | undefined;
  after(() => server?.close());

  it('runs fp32, q8 and q4 exports and gives the logits Node gives', { skip: chromiumSkip(chromium), timeout: 180_000 }, async () => {
    assert.ok(chromium, 'CI=true and chromium is missing: .ci/run installs it');
    const tokenizer = mobyTokenizer();
    const ck = saveTinyCheckpoint(path.join(dir, 'run'), tokenizer, 'tltc-classifier', ['a', 'b', 'c']);
    const modelDir = path.join(dir, 'export');
    const exported = runCli(['export', '--checkpoint', ck.dir, '--out', modelDir]);
    assert.equal(exported.code, 0, exported.stderr);
    const rows = TEXTS.map((t) => tokenizer.encodeForModel(t));

    let resolveResult!: (r: BrowserResult) => void;
    const result = new Promise<BrowserResult>((r) => (resolveResult = r));
    server = await serve(page(rows), modelDir, resolveResult);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const browser = spawn(chromium!, [...CHROMIUM_FLAGS, `--user-data-dir=${path.join(dir, 'profile')}`, url], { stdio: 'ignore' });
    let got: BrowserResult;
    try {
      got = await Promise.race([result, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no result from the browser in 120 s')), 120_000))]);
    } finally {
      browser.kill('SIGKILL');
    }
    assert.ok(got.ok, got.error ?? 'the page reported a failure');
    assert.match(got.userAgent ?? '', /HeadlessChrome|Chrome/);

    const { input_ids, attention_mask } = paddedBatch(rows);
    for (const file of FILES) {
      const session = await createSession(readFileSync(path.join(modelDir, 'onnx', file)), { threads: 1 });
      const node = (await session.run({ input_ids, attention_mask })).logits;
      const web = got.out![file];
      assert.deepEqual(web.dims, [...node.dims], file);
      const diff = web.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - (node.data as Float32Array)[i])), 0);
      // Different kernels (wasm SIMD against native MLAS) sum in different orders.
      assert.ok(diff < (file === 'model.onnx' ? 1e-5 : 1e-3), `${file}: browser and Node logits differ by ${diff}`);
    }
  });
});
