import { err } from './ui.js';

/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (in CI logs and
 * pipes it would be noise). Redraws at most every 100 ms.
 */
export class ProgressBar {
  private readonly enabled: boolean;
  private lastDraw = 0;
  private readonly started = performance.now();
  private drawn = false;

  constructor(
    private readonly label: string,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = Boolean(stream.isTTY) && process.env.CI === undefined;
  }

  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 28;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    const elapsed = (now - this.started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 && done < total ? ` eta ${formatSeconds((total - done) / rate)}` : '';
    const bar = err.cyan('█'.repeat(filled)) + err.dim('░'.repeat(width - filled));
    process.stderr.write(`\r${this.label} ${bar} ${done}/${total} ${Math.round(ratio * 100)}%${eta}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}

export function formatSeconds(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
