/** Fixed-capacity FIFO: keeps the last `capacity` items (app log lines for the logs view). */
export class RingBuffer<T> {
  private readonly items: T[] = [];
  private start = 0;
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }
  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }
  get size(): number {
    return this.items.length;
  }
  /** Oldest first; `last` limits to the newest n. */
  toArray(last?: number): T[] {
    const all = [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
    return last === undefined ? all : all.slice(Math.max(0, all.length - last));
  }
}
