import { isPodEvent, type RecordedEvent } from '../engine/events.js';
import type { Cell } from '../scenario/matrix.js';

interface Counts {
  created: number;
  ready: number;
  stopping: number;
  gone: number;
  stuck: number;
  errors: number;
}

/**
 * Live progress on stderr, never on stdout (which carries only machine-readable output or the
 * final summary). On a TTY one line is redrawn in place; otherwise a plain line every few seconds.
 */
export class ProgressReporter {
  private cellLabel = '';
  private total = 0;
  private startedAt = 0;
  private counts: Counts = { created: 0, ready: 0, stopping: 0, gone: 0, stuck: 0, errors: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainIntervalMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get interactive(): boolean {
    return Boolean(this.stream.isTTY);
  }

  cellStarted(cell: Cell, rep: number, totalPods: number): void {
    this.flush();
    this.cellLabel = `${cell.id} rep ${rep} (${cell.name})`;
    this.total = totalPods;
    this.startedAt = this.now();
    this.counts = { created: 0, ready: 0, stopping: 0, gone: 0, stuck: 0, errors: 0 };
    clearInterval(this.timer);
    this.timer = setInterval(() => this.draw(), this.interactive ? 250 : this.plainIntervalMs);
    this.timer.unref();
  }

  onEvent = (event: RecordedEvent): void => {
    if (!isPodEvent(event)) return;
    const c = this.counts;
    switch (event.kind) {
      case 'created':
        c.created++;
        break;
      case 'ready':
        c.ready++;
        break;
      case 'delete-sent':
        c.stopping++;
        break;
      case 'stop-failed':
        if (event.data?.code === 'DEADLINE_EXCEEDED') c.stuck++;
        break;
      case 'gone':
        c.gone++;
        c.stopping = Math.max(0, c.stopping - 1);
        break;
      case 'error':
        c.errors++;
        break;
      default:
        break;
    }
  };

  line(): string {
    const c = this.counts;
    const elapsed = (this.now() - this.startedAt) / 1000;
    // Every pod is two steps, its create and its deletion (an error ends both): counting only pods
    // gone would put the estimate at thousands of hours when the deletes of a large batch begin.
    const steps = Math.min(2 * this.total, c.created + c.gone + 2 * c.errors);
    const eta = steps > 0 && steps < 2 * this.total ? ` eta ${Math.round((elapsed / steps) * (2 * this.total - steps))}s` : '';
    return (
      `${this.cellLabel}: created ${c.created}/${this.total} ` +
      `ready ${c.ready} stopping ${c.stopping} gone ${c.gone} stuck ${c.stuck} errors ${c.errors} | ${elapsed.toFixed(0)}s${eta}`
    );
  }

  private draw(): void {
    if (!this.cellLabel) return;
    if (this.interactive) this.stream.write(`\r\u001b[2K${this.line()}`);
    else this.stream.write(`${this.line()}\n`);
  }

  private flush(): void {
    if (!this.cellLabel) return;
    if (this.interactive) this.stream.write(`\r\u001b[2K${this.line()}\n`);
    else this.stream.write(`${this.line()}\n`);
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
    this.cellLabel = '';
  }
}
