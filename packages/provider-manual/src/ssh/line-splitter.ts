/** Turns chunks of text into whole lines; a trailing partial line waits for the next chunk. */
export class LineSplitter {
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.pending + chunk).split('\n');
    this.pending = parts.pop() ?? '';
    for (const line of parts) this.onLine(line.replace(/\r$/, ''));
  }

  flush(): void {
    if (this.pending) this.onLine(this.pending);
    this.pending = '';
  }
}
