/**
 * Turns a byte stream into lines. A line longer than `maxLineBytes` is cut into pieces so a task
 * printing without newlines cannot grow the worker's memory without bound.
 */
export class LineSplitter {
  private pending = '';
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineChars = 64 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    this.pending += this.decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      this.emit(stripCr(this.pending.slice(0, nl)));
      this.pending = this.pending.slice(nl + 1);
    }
    while (this.pending.length >= this.maxLineChars) {
      this.emit(this.pending.slice(0, this.maxLineChars));
      this.pending = this.pending.slice(this.maxLineChars);
    }
  }

  /** Emits what is left (a last line without a newline). */
  end(): void {
    this.pending += this.decoder.decode();
    if (this.pending !== '') this.emit(stripCr(this.pending));
    this.pending = '';
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
