// The run's one time budget (derived from --timeout) and the user's interrupt (SIGINT/SIGTERM):
// fact gathering and every check race against it, so a run always ends with a report, never with
// nothing. A timer cannot fire while synchronous work blocks the event loop; such work is bounded
// where it happens (the loaders' own caps), this bounds everything that waits.
import { nowMs } from "./clock.js";

/** The whole run (facts + checks) ends within this: every probe's timeout several times, plus 2 s of local work. */
export function runBudgetMs(probeTimeoutMs: number): number {
  return probeTimeoutMs * 5 + 2000;
}

export type StopReason = { kind: "timeout" } | { kind: "interrupt"; signal: string };

export type Raced<T> = { done: true; value: T } | { done: false; reason: StopReason };

export class RunLimit {
  private readonly deadline: number;
  /** One listener on the interrupt signal fans out to these (every running check adds one). */
  private readonly onStop = new Set<() => void>();

  constructor(
    readonly budgetMs: number,
    /** Aborted on SIGINT/SIGTERM; its reason is the signal's name. */
    private readonly interrupt?: AbortSignal,
  ) {
    this.deadline = nowMs() + budgetMs;
    interrupt?.addEventListener("abort", () => {
      for (const listener of [...this.onStop]) listener();
    }, { once: true });
  }

  remainingMs(): number {
    return Math.max(0, Math.ceil(this.deadline - nowMs()));
  }

  /** The signal's name once the user interrupted the run. */
  interruptedBy(): string | undefined {
    if (!this.interrupt?.aborted) return undefined;
    const reason: unknown = this.interrupt.reason;
    return typeof reason === "string" ? reason : "SIGINT";
  }

  /** Calls `listener` when the user interrupts (now, if that already happened); undo with offInterrupt. */
  onInterrupt(listener: () => void): void {
    if (this.interruptedBy()) queueMicrotask(listener);
    else this.onStop.add(listener);
  }

  offInterrupt(listener: () => void): void {
    this.onStop.delete(listener);
  }

  /**
   * `work`'s value, or why the run had to stop first (the deadline or the interrupt). Rejects only
   * if `work` does. The losing work is not cancelled; its result is dropped.
   */
  async race<T>(work: Promise<T>): Promise<Raced<T>> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<StopReason>((resolve) => {
      timer = setTimeout(() => resolve({ kind: "timeout" }), this.remainingMs());
      onAbort = () => resolve({ kind: "interrupt", signal: this.interruptedBy() ?? "SIGINT" });
      this.onInterrupt(onAbort);
    });
    try {
      return await Promise.race([
        work.then((value): Raced<T> => ({ done: true, value })),
        stop.then((reason): Raced<T> => ({ done: false, reason })),
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.offInterrupt(onAbort);
    }
  }
}
