// Trailing debounce with a ceiling: a burst of watch events (a Helm upgrade, a relist)
// becomes one translation, yet constant churn cannot postpone it forever.

export class Debouncer {
  #timer: NodeJS.Timeout | undefined;
  #firstAt = 0;

  constructor(
    private readonly fire: () => void,
    private readonly waitMs: number,
    /** Longest time from the first trigger of a burst to the call. */
    private readonly maxWaitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  trigger(): void {
    const now = this.now();
    if (this.#timer === undefined) this.#firstAt = now;
    else clearTimeout(this.#timer);
    const delay = Math.max(0, Math.min(this.waitMs, this.#firstAt + this.maxWaitMs - now));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.fire();
    }, delay);
  }

  get pending(): boolean {
    return this.#timer !== undefined;
  }

  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
