/**
 * Gathers the timers that fall due together into one call of `run` (one ticket-store
 * transaction for all of them): a batch goes when it holds `max` timers or `waitMs` after
 * its first one arrived. Should the batch fail as a whole, each timer is run on its own, so
 * one ticket that cannot be handled does not hold back the others.
 */
export class TimerBatch<I, O> {
  private items: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly runOne: (item: I) => Promise<O>,
    private readonly max: number,
    private readonly waitMs = 5,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.items.push({ item, resolve, reject });
      if (this.items.length >= this.max) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.waitMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.items.splice(0);
    if (batch.length === 0) return;
    this.run(batch.map((b) => b.item)).then(
      (outs) => batch.forEach((b, i) => b.resolve(outs[i]!)),
      () => {
        for (const b of batch) this.runOne(b.item).then(b.resolve, b.reject);
      },
    );
  }
}
