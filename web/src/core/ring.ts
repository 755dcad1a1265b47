/** A bounded list that forgets its oldest entries. */
export class Ring<T> {
  private items: T[] = [];
  constructor(readonly capacity: number) {}

  push(x: T): void {
    this.items.push(x);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  get length(): number {
    return this.items.length;
  }

  /** Oldest first. */
  toArray(): readonly T[] {
    return this.items;
  }

  clear(): void {
    this.items.length = 0;
  }
}
