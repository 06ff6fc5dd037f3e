/** How many create calls may be in flight at once across the cluster (`max_parallel_creates`). */
export class CreateSlots {
  private inFlight = 0;

  constructor(readonly limit: number) {}

  free(): number {
    return Math.max(0, this.limit - this.inFlight);
  }

  acquire(): boolean {
    if (this.inFlight >= this.limit) return false;
    this.inFlight++;
    return true;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  used(): number {
    return this.inFlight;
  }
}
