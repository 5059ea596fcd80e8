import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isTaskPath, loadFileTask, type FileTask, type FileTaskOptions } from '../../src/data/file_task.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'tltc-test-'));
let folders = 0;

/** Writes `files` into a fresh folder and returns its path. */
function folder(files: Record<string, string | Buffer>): string {
  const dir = path.join(root, `case${folders++}`);
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
  return dir;
}

/** 100 rows, 3 string classes, 25 documents of 4 rows each. */
function csv100(): string {
  const rows = Array.from({ length: 100 }, (_, i) => `"review number ${i}, quoted",${['neg', 'pos', 'mixed'][i % 3]},doc${Math.floor(i / 4)}`);
  return ['text,label,doc', ...rows].join('\n') + '\n';
}

const texts = (t: FileTask) => ({ train: t.train.map((e) => e.text), val: t.val.map((e) => e.text), test: t.test.map((e) => e.text) });

/** Asserts loading rejects with a one-line message matching every pattern. */
async function rejectsWith(options: FileTaskOptions, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(loadFileTask(options), (e: Error) => {
    for (const p of patterns) assert.match(e.message, p);
    assert.ok(!/[\r\n]/.test(e.message), `message spans lines: ${JSON.stringify(e.message)}`);
    return true;
  });
}

describe('file tasks: loading', () => {
  const file = path.join(folder({ 'reviews.csv': csv100() }), 'reviews.csv');

  it('splits a single CSV 80/10/10 with string labels sorted and sources naming file and line', async () => {
    const t = await loadFileTask({ path: file });
    assert.equal(t.name, 'reviews');
    assert.equal(t.kind, 'classification');
    assert.deepEqual(t.labels, ['mixed', 'neg', 'pos']);
    assert.deepEqual([t.train.length, t.val.length, t.test.length], [80, 10, 10]);
    assert.deepEqual(t.files, { train: file });
    assert.match(t.split_rule ?? '', /test and validation are each 10% of the 100 rows of reviews\.csv \(10 each\).*seed 0/);
    const all = [...t.train, ...t.val, ...t.test];
    assert.equal(new Set(all.map((e) => e.text)).size, 100);
    const row7 = all.find((e) => e.text === 'review number 7, quoted');
    assert.deepEqual(row7, { text: 'review number 7, quoted', label: 2, source: 'reviews.csv:9' });
  });

  it('gives the same split for the same seed and another for another seed', async () => {
    const a = texts(await loadFileTask({ path: file, seed: 3 }));
    const b = texts(await loadFileTask({ path: file, seed: 3 }));
    const c = texts(await loadFileTask({ path: file, seed: 4 }));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.test, c.test);
    assert.deepEqual([c.train.length, c.val.length, c.test.length], [80, 10, 10]);
  });

  it('keeps the rows of one group in one split', async () => {
    const t = await loadFileTask({ path: file, groupColumn: 'doc', seed: 1 });
    const splitOf = new Map<string, string>();
    for (const s of ['train', 'val', 'test'] as const) {
      for (const e of t[s]) {
        assert.match(e.source, /^reviews\.csv:doc\d+$/);
        assert.equal(splitOf.get(e.source) ?? s, s, `${e.source} crosses splits`);
        splitOf.set(e.source, s);
      }
    }
    // 25 groups: round(2.5) = 3 groups of 4 rows each to test and to validation.
    assert.deepEqual([t.train.length, t.val.length, t.test.length], [76, 12, 12]);
    assert.match(t.split_rule ?? '', /25 groups of column "doc"/);
  });

  it('numbers a multi-line record and a row after blank lines by the line each starts on', async () => {
    const t = await loadFileTask({ path: path.join(folder({ 'm.csv': 'text,label\n"two\nlines",x\n\n\nb,y\nc,x\n' }), 'm.csv') });
    const all = [...t.train, ...t.val, ...t.test].map((e) => `${e.source} ${JSON.stringify(e.text)}`).sort();
    assert.deepEqual(all, ['m.csv:2 "two\\nlines"', 'm.csv:6 "b"', 'm.csv:7 "c"']);
  });

  it('reads a TSV folder with train and test, making validation from train', async () => {
    const train = ['sentence\tlabel', ...Array.from({ length: 30 }, (_, i) => `line ${i}\t${i % 2 ? 'b' : 'a'}`)].join('\r\n');
    const dir = folder({ 'train.tsv': `\ufeff${train}\r\n`, 'test.tsv': 'sentence\tlabel\n"tab\tinside"\tb\nplain\ta\n' });
    const t = await loadFileTask({ path: dir, textColumn: 'sentence' });
    assert.equal(t.name, path.basename(dir));
    assert.deepEqual([t.train.length, t.val.length, t.test.length], [27, 3, 2]);
    assert.deepEqual(t.test[0], { text: 'tab\tinside', label: 1, source: 'test.tsv:2' });
    assert.deepEqual(t.files, { train: path.join(dir, 'train.tsv'), test: path.join(dir, 'test.tsv') });
    assert.match(t.split_rule ?? '', /^validation is 10% of the 30 rows of train\.tsv/);
    assert.ok(t.train.every((e) => !e.text.includes('\r')));
  });

  it('reads a JSONL pair task from train/validation/test files, with no split rule', async () => {
    const line = (a: string, b: string, l: string) => JSON.stringify({ premise: a, hypothesis: b, label: l });
    const dir = folder({
      'train.jsonl': [line('a cat', 'an animal', 'entail'), '', line(' a dog ', 'a plant', 'contradict')].join('\n'),
      'validation.jsonl': line('x', 'y', 'entail'),
      'test.jsonl': line('p', 'q', 'contradict') + '\n',
    });
    const t = await loadFileTask({ path: dir, textColumn: 'premise', pairColumn: 'hypothesis' });
    assert.deepEqual(t.labels, ['contradict', 'entail']);
    assert.deepEqual(t.train, [
      { text: 'a cat', pair: 'an animal', label: 1, source: 'train.jsonl:1' },
      { text: 'a dog', pair: 'a plant', label: 0, source: 'train.jsonl:3' },
    ]);
    assert.deepEqual(t.val, [{ text: 'x', pair: 'y', label: 1, source: 'validation.jsonl:1' }]);
    assert.equal(t.test[0].label, 0);
    assert.equal(t.split_rule, undefined);
  });

  it('accepts dev.* as validation and sorts integer labels numerically', async () => {
    const rows = (n: number) => ['text,label', ...Array.from({ length: n }, (_, i) => `t${i},${[10, 2, 0, 1][i % 4]}`)].join('\n');
    const dir = folder({ 'train.csv': rows(8), 'dev.csv': rows(4), 'test.csv': rows(4) });
    const t = await loadFileTask({ path: dir });
    assert.equal(t.kind, 'classification');
    assert.deepEqual(t.labels, ['0', '1', '2', '10']);
    assert.deepEqual(t.train.slice(0, 4).map((e) => e.label), [3, 2, 0, 1]);
    assert.equal(t.files.val, path.join(dir, 'dev.csv'));
  });

  it('makes a regression task when the labels are numbers and one is fractional', async () => {
    const jsonl = Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `s${i}`, score: i === 0 ? 1 : i / 4 })).join('\n');
    const t = await loadFileTask({ path: path.join(folder({ 'sts.jsonl': jsonl }), 'sts.jsonl'), labelColumn: 'score' });
    assert.equal(t.kind, 'regression');
    assert.deepEqual(t.labels, ['score']);
    const all = [...t.train, ...t.val, ...t.test].sort((a, b) => a.source.localeCompare(b.source, 'en', { numeric: true }));
    assert.deepEqual(all.slice(0, 3).map((e) => e.label), [1, 0.25, 0.5]);
    const forced = await loadFileTask({ path: path.join(folder({ 'i.csv': 'text,y\na,1\nb,2\nc,3\n' }), 'i.csv'), labelColumn: 'y', kind: 'regression' });
    assert.equal(forced.kind, 'regression');
    assert.deepEqual([...forced.train, ...forced.val, ...forced.test].map((e) => e.label).sort(), [1, 2, 3]);
  });

  it('tells file paths from built-in task names', () => {
    assert.equal(isTaskPath('genre'), false);
    assert.equal(isTaskPath('spam'), false);
    assert.equal(isTaskPath('my.csv'), true);
    assert.equal(isTaskPath('data.JSONL'), true);
    assert.equal(isTaskPath('data/imdb'), true);
    assert.equal(isTaskPath(root), true);
    assert.equal(isTaskPath('no-such-task-name'), false);
  });
});

describe('file tasks: one-line errors naming file, line and column', () => {
  const csv = (body: string | Buffer, name = 'd.csv') => path.join(folder({ [name]: body }), name);
  const ok = 'text,label\na,x\nb,y\nc,x\nd,y\n';

  it('a missing column lists the columns and the flag', async () => {
    await rejectsWith({ path: csv(ok), textColumn: 'sentence' }, /d\.csv: no column "sentence" \(columns: "text", "label"\)/, /--text-column/);
    await rejectsWith({ path: csv(ok), labelColumn: 'y' }, /d\.csv: .*"y".*--label-column/);
    await rejectsWith({ path: csv(ok), pairColumn: 'b' }, /d\.csv: .*"b".*--text-pair-column/);
    const jsonl = csv('{"sentence": "a", "label": 1}\n', 'd.jsonl');
    await rejectsWith({ path: jsonl }, /d\.jsonl:1: no column "text" \(columns: "sentence", "label"\).*--text-column/);
  });

  it('an empty text, also after trimming', async () => {
    await rejectsWith({ path: csv('text,label\na,x\n  ,y\n') }, /d\.csv:3: column "text" is empty/);
    await rejectsWith({ path: csv('{"text": "a", "label": 1}\n{"label": 2}\n', 'd.jsonl') }, /d\.jsonl:2: column "text" is empty/);
  });

  it('a validation or test label never seen in train', async () => {
    const dir = folder({ 'train.csv': ok, 'test.csv': 'text,label\nq,x\nr,zebra\n', 'val.csv': ok });
    await rejectsWith({ path: dir }, /test\.csv:3: column "label" has label "zebra", which no row of .*train\.csv has/);
  });

  it('a malformed CSV quote, with the line', async () => {
    await rejectsWith({ path: csv('text,label\na,x\n"b"c,y\nd,x\n') }, /d\.csv:3: malformed CSV quote/);
    await rejectsWith({ path: csv('text,label\na,x\nb"c,y\n') }, /d\.csv:3: malformed CSV quote/);
    await rejectsWith({ path: csv('text,label\na,x\n"b,y\nc,x\n') }, /d\.csv:3: a quoted field starting on this line is never closed/);
    await rejectsWith({ path: csv('text,label\na,x\nb,y,z\n') }, /d\.csv:3: wrong number of fields/);
  });

  it('a byte that is not UTF-8, with the line', async () => {
    const bytes = Buffer.concat([Buffer.from('text,label\na,x\ncaf'), Buffer.from([0xe9]), Buffer.from(',y\n')]);
    await rejectsWith({ path: csv(bytes) }, /d\.csv:3: not valid UTF-8/);
    const jsonl = Buffer.concat([Buffer.from('{"text": "a", "label": 1}\n{"text": "'), Buffer.from([0xff, 0xfe]), Buffer.from('", "label": 2}\n')]);
    await rejectsWith({ path: csv(jsonl, 'd.jsonl') }, /d\.jsonl:2: not valid UTF-8/);
  });

  it('a 0-byte file, and a header without rows', async () => {
    await rejectsWith({ path: csv('') }, /d\.csv: file is empty \(0 bytes\)/);
    await rejectsWith({ path: csv('', 'd.jsonl') }, /d\.jsonl: file is empty \(0 bytes\)/);
    await rejectsWith({ path: csv('text,label\n\n') }, /d\.csv: no data rows \(0 rows/);
  });

  it('a label column with one class', async () => {
    await rejectsWith({ path: csv('text,label\na,x\nb,x\nc,x\n') }, /d\.csv: column "label" has only one class \("x"\)/);
  });

  it('a JSONL line that is not a JSON object', async () => {
    await rejectsWith({ path: csv('{"text": "a", "label": 1}\n[1, 2]\n', 'd.jsonl') }, /d\.jsonl:2: expected a JSON object, got an array/);
    await rejectsWith({ path: csv('{"text": "a", "label": 1}\n\n{"text": oops}\n', 'd.jsonl') }, /d\.jsonl:3: not valid JSON/);
  });

  it('a regression label that is not a number', async () => {
    await rejectsWith({ path: csv('text,score\na,0.5\nb,high\n'), labelColumn: 'score', kind: 'regression' }, /d\.csv:3: column "score" is "high", not a number/);
  });

  it('a missing or null JSONL label', async () => {
    const body = '{"text": "a", "label": "x"}\n{"text": "b", "label": null}\n';
    await rejectsWith({ path: csv(body, 'd.jsonl') }, /d\.jsonl:2: column "label": label is missing or null/);
    await rejectsWith({ path: csv('{"text": "a", "label": "x"}\n{"text": "b"}\n', 'd.jsonl') }, /d\.jsonl:2: column "label": label is missing or null/);
  });

  it('too few rows to split, a folder without train, an unknown path', async () => {
    await rejectsWith({ path: csv('text,label\na,x\nb,y\n') }, /d\.csv: 2 rows are too few to hold out test and validation/);
    await rejectsWith({ path: folder({ 'test.csv': ok, 'notes.txt': 'x' }) }, /no train file \(found test\.csv\)/);
    await rejectsWith({ path: path.join(root, 'missing.csv') }, /missing\.csv: no such file or folder/);
  });
});
