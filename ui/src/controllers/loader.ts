// A load that runs when asked, never two at once and no more often than a period.

/**
 * Runs a load when asked: never two at once, and no sooner than `minMs` after
 * the previous one started (a flood of requests makes one load per period).
 * A request while one is in flight makes one more load after it.
 */
export class Loader {
  private inFlight = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastStart = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly load: () => Promise<void>,
    private readonly minMs: number,
  ) {}

  /** Loads as soon as the minimum interval allows. */
  request(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.timer !== null) return;
    const wait = this.lastStart + this.minMs - Date.now();
    if (wait <= 0) {
      void this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, wait);
  }

  /** Loads at once (an operator's request); after the one in flight, if any. */
  now(): void {
    if (this.stopped) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight) {
      this.again = true;
      return;
    }
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(): Promise<void> {
    this.inFlight = true;
    this.lastStart = Date.now();
    try {
      await this.load();
    } catch {
      // The load reports its own errors.
    } finally {
      this.inFlight = false;
    }
    if (this.again && !this.stopped) {
      this.again = false;
      this.request();
    }
  }
}
