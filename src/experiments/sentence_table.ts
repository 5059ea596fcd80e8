/**
 * `tltc report --markdown DIR` on sentence-encoder distillations (DIR/<student>/distill.json, as
 * scripts/experiments/sentence-distill.sh writes them): per student, its size, the bytes of its
 * fp32 and int8 files beside the teacher's, fidelity (cosine to the teacher on sentences of
 * held-out documents) before and after distillation, and a linear probe's accuracy with its 95%
 * interval for teacher, student and the undistilled student, with the task's baselines, and each
 * file's median latency at batch 8.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixed, markdownGrid } from './run_table.ts';

interface Scores {
  accuracy: number;
  accuracy_95: [number, number];
}

interface SentenceDistill {
  teacher: { onnx_bytes: number; labeling_s: number };
  student: { model: string };
  sentences: { train: number; val: number };
  steps: number;
  train_s: number;
  fidelity: { student: Fidelity; undistilled: Fidelity; files: (Fidelity & { format: { kind: string }; bytes: number; latency_ms_batch8?: number })[] };
  probe: { task: string; examples: number; teacher: Scores; student: Scores; undistilled: Scores; baselines: { majority: Scores; bag_of_words: Scores } };
}

interface Fidelity {
  mean_cosine: number;
  /** Bootstrap 95% interval over sentences (absent from files written before it was recorded). */
  mean_cosine_95?: [number, number];
  min_cosine: number;
}

function distillFiles(root: string): { name: string; d: SentenceDistill }[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, 'distill.json')))
    .map((e) => ({ name: e.name, d: JSON.parse(readFileSync(path.join(root, e.name, 'distill.json'), 'utf8')) as SentenceDistill }))
    .filter((x) => x.d.fidelity?.files !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** True when `root` holds sentence-encoder distillations. */
export const hasSentenceDistills = (root: string): boolean => distillFiles(root).length > 0;

const pct = (s: Scores) => `${fixed(100 * s.accuracy, 1)}% (${fixed(100 * s.accuracy_95[0], 1)}-${fixed(100 * s.accuracy_95[1], 1)})`;
const cos = (f: Fidelity) => `${fixed(f.mean_cosine, 3)} (${f.mean_cosine_95 ? `${fixed(f.mean_cosine_95[0], 3)}-${fixed(f.mean_cosine_95[1], 3)}; ` : ''}min ${fixed(f.min_cosine, 2)})`;
const ms = (f: { latency_ms_batch8?: number } | undefined) => (f?.latency_ms_batch8 === undefined ? '-' : fixed(f.latency_ms_batch8, 2));

export function sentenceTable(root: string): string {
  const runs = distillFiles(path.resolve(root));
  const header = ['run', 'student', 'steps', 'fp32 MB', 'int8 MB', 'fp32 ms', 'int8 ms', 'fidelity', 'int8 fidelity', 'undistilled fidelity', 'probe: student', 'probe: undistilled', 'student s', 'teacher s'];
  const rows = runs.map(({ name, d }) => {
    const file = (kind: string) => d.fidelity.files.find((f) => f.format.kind === kind);
    const [fp32, int8] = [file('fp32'), file('int8')];
    return [name, d.student.model, String(d.steps), fp32 ? fixed(fp32.bytes / 1e6, 2) : '-', int8 ? fixed(int8.bytes / 1e6, 2) : '-', ms(fp32), ms(int8), cos(d.fidelity.student), int8 ? cos(int8) : '-', cos(d.fidelity.undistilled), pct(d.probe.student), pct(d.probe.undistilled), fixed(d.train_s, 0), fixed(d.teacher.labeling_s, 0)];
  });
  const table = markdownGrid(header, rows);
  const first = runs[0]?.d;
  const note = first
    ? `\n\nTeacher: Universal Sentence Encoder Lite, ${fixed(first.teacher.onnx_bytes / 1e6, 2)} MB fp32; its probe ${pct(first.probe.teacher)}. Fidelity: mean (and minimum) cosine to the teacher's embeddings over ${first.sentences.val} sentences of held-out documents. Probe: a linear classifier on each model's embeddings, ${first.probe.task}, ${first.probe.examples} test examples (95% interval); majority class ${pct(first.probe.baselines.majority)}, bag of words ${pct(first.probe.baselines.bag_of_words)}. Milliseconds: median of 20 calls at batch 8 and the student's full sequence length, as measured during the run. Teacher seconds: embedding the ${first.sentences.train} training sentences, charged to the student.`
    : '';
  return `${table}${note}`;
}
