// Deadlines that all share one duration (the proxy's response timeout), behind one timer.
// Equal durations expire in the order they were added, so a Set (insertion-ordered, O(1)
// delete) is the whole queue: no Timeout object, timer-list insert and clear per request.

export interface Deadline {
  readonly at: number;
  readonly onExpire: () => void;
}

export class DeadlineQueue {
  readonly #ms: number;
  readonly #pending = new Set<Deadline>();
  #timer: NodeJS.Timeout | undefined;
  #expiring = false;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /** `onExpire` runs once `ms` from now have passed, unless cancel() came first. */
  add(onExpire: () => void): Deadline {
    const deadline: Deadline = { at: performance.now() + this.#ms, onExpire };
    this.#pending.add(deadline);
    if (this.#timer === undefined && !this.#expiring) this.#arm(deadline.at);
    return deadline;
  }

  cancel(deadline: Deadline | undefined): void {
    if (deadline) this.#pending.delete(deadline);
  }

  #arm(at: number): void {
    // Never holds the process open: whatever a deadline guards holds its own socket.
    this.#timer = setTimeout(() => this.#expire(), Math.max(1, Math.ceil(at - performance.now())));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    // Deadlines added by an onExpire are reached by this loop (a Set iterates over late additions).
    this.#expiring = true;
    try {
      for (const deadline of this.#pending) {
        if (deadline.at > now) return this.#arm(deadline.at);
        this.#pending.delete(deadline);
        deadline.onExpire();
      }
    } finally {
      this.#expiring = false;
      // Only when an onExpire threw: the rest still need a timer.
      const next = this.#timer === undefined ? this.#pending.values().next() : undefined;
      if (next && !next.done) this.#arm(next.value.at);
    }
  }
}
