/** Counts of a long operation at one moment. */
export interface ProgressCounts {
  done: number;
  failed: number;
  total: number;
}

export interface ProgressOptions {
  /** Whether stderr is a terminal: a redrawn bar, else plain lines every `intervalMs`. */
  tty: boolean;
  write: (text: string) => void;
  label: string;
  intervalMs?: number;
  now?: () => number;
  width?: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const rounded = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(rounded / 60);
  return minutes ? `${minutes}m${String(rounded % 60).padStart(2, '0')}s` : `${rounded}s`;
}

/** Rate (finished per second since start) and ETA of the remaining ones at that rate. */
export function progressFigures(counts: ProgressCounts, elapsedMs: number): { rate: number; etaSeconds: number } {
  const finished = counts.done + counts.failed;
  const rate = elapsedMs > 0 ? finished / (elapsedMs / 1000) : 0;
  const remaining = Math.max(0, counts.total - finished);
  return { rate, etaSeconds: remaining === 0 ? 0 : rate > 0 ? remaining / rate : Number.POSITIVE_INFINITY };
}

/** The text of one progress report: bar (TTY) or plain line, with rate and ETA. */
export function progressLine(label: string, counts: ProgressCounts, elapsedMs: number, bar?: number): string {
  const { rate, etaSeconds } = progressFigures(counts, elapsedMs);
  const finished = counts.done + counts.failed;
  const figures = `${finished}/${counts.total} (${counts.done} ok, ${counts.failed} failed) ${rate.toFixed(1)}/s ETA ${duration(etaSeconds)}`;
  if (bar === undefined) return `${label}: ${figures}`;
  const filled = counts.total ? Math.round((finished / counts.total) * bar) : bar;
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(bar - filled)}] ${figures}`;
}

/** A progress display: redrawn in place on a terminal, one line per interval otherwise. */
export class Progress {
  private readonly started: number;
  private lastLine = Number.NEGATIVE_INFINITY;
  private last?: ProgressCounts;
  private lastPrinted?: ProgressCounts;

  constructor(private readonly opts: ProgressOptions) {
    this.started = this.now();
  }

  update(counts: ProgressCounts): void {
    this.last = counts;
    const elapsed = this.now() - this.started;
    if (this.opts.tty) {
      this.opts.write(`\r${progressLine(this.opts.label, counts, elapsed, this.opts.width ?? 30)}\x1b[K`);
      return;
    }
    if (this.now() - this.lastLine >= (this.opts.intervalMs ?? 2000)) {
      this.lastLine = this.now();
      this.lastPrinted = counts;
      this.opts.write(`${progressLine(this.opts.label, counts, elapsed)}\n`);
    }
  }

  /** Ends the display (a newline after the bar; the final counts as a line otherwise, unless just printed). */
  finish(): void {
    if (this.opts.tty) this.opts.write('\n');
    else if (this.last && this.last !== this.lastPrinted)
      this.opts.write(`${progressLine(this.opts.label, this.last, this.now() - this.started)}\n`);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
