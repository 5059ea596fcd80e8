/** Progress bars (cli-progress) that also log a line every few seconds when stderr is not a terminal. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  /** Prints a line above the bar. */
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** cli-progress format; {bar}, {value}, {total}, {percentage}, {eta_formatted} and payload keys. */
  format?: string;
  quiet?: boolean;
  /** Values for the format's payload keys before the first update. */
  initial?: Record<string, string | number>;
}

export function createProgress(title: string, total: number, options: ProgressOptions = {}): Progress {
  if (options.quiet) return { update: () => {}, log: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: options.format ?? `${title} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, options.initial ?? {});
  return {
    update: (value, payload) => bar.update(value, payload ?? {}),
    log: (line) => {
      process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}\n` : `${line}\n`);
      bar.render();
    },
    stop: () => bar.stop(),
  };
}
