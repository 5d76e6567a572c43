/**
 * A progress bar for long CLI jobs, on stderr.
 *
 * - On a terminal (or with FACEMETRIC_PROGRESS=tty): one line redrawn in place at most 10 times
 *   a second, `[#######.............] 12/40 images  31 faces  0:03 elapsed  ~0:07 left`, erased
 *   when the job ends so that what follows starts on a clean line.
 * - Elsewhere (logs, pipes, tests): a plain line every 10 seconds, so a long job in a log still
 *   says how far it is; a short job prints nothing.
 * - FACEMETRIC_PROGRESS=off (or the caller's `quiet`) turns it off.
 */

export interface ProgressSink {
  write(s: string): void;
  /** True when the sink is a terminal that understands carriage returns. */
  isTTY?: boolean;
  /** Terminal width in columns, when known. */
  columns?: number;
}

export type ProgressMode = 'tty' | 'lines' | 'off';

export function progressMode(sink: ProgressSink, quiet = false, env: NodeJS.ProcessEnv = process.env): ProgressMode {
  const forced = env.FACEMETRIC_PROGRESS;
  if (quiet || forced === 'off' || forced === '0') return 'off';
  if (forced === 'tty') return 'tty';
  if (forced === 'lines') return 'lines';
  return sink.isTTY ? 'tty' : 'lines';
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class ProgressBar {
  private done = 0;
  private detail = '';
  private lastDraw = -Infinity;
  private drawn = false;
  private readonly start = performance.now();

  constructor(
    private readonly sink: ProgressSink,
    private readonly total: number,
    private readonly unit: string,
    private readonly mode: ProgressMode,
    private readonly lineEveryMs = 10_000,
  ) {}

  /** `done` items of `total` finished; `detail` is appended (e.g. "31 faces"). */
  update(done: number, detail = ''): void {
    this.done = done;
    this.detail = detail;
    const now = performance.now();
    if (this.mode === 'tty') {
      if (now - this.lastDraw >= 100 || done === this.total) this.draw(now);
    } else if (this.mode === 'lines') {
      if (this.lastDraw === -Infinity) this.lastDraw = this.start;
      if (now - this.lastDraw >= this.lineEveryMs) {
        this.lastDraw = now;
        this.sink.write(`facemetric: ${this.status(now)}\n`);
      }
    }
  }

  /** Erases the bar (terminal) so that the next output starts on a clean line. */
  finish(): void {
    if (this.mode === 'tty' && this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
  }

  private status(now: number): string {
    const elapsed = (now - this.start) / 1000;
    const left = this.done > 0 && this.done < this.total ? `  ~${clock((elapsed / this.done) * (this.total - this.done))} left` : '';
    return `${this.done}/${this.total} ${this.unit}${this.detail ? `  ${this.detail}` : ''}  ${clock(elapsed)} elapsed${left}`;
  }

  private draw(now: number): void {
    this.lastDraw = now;
    const width = 24;
    const filled = this.total > 0 ? Math.round((width * this.done) / this.total) : width;
    let line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.status(now)}`;
    const cols = this.sink.columns ?? 0;
    if (cols > 10 && line.length >= cols) line = line.slice(0, cols - 1);
    this.sink.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }
}
