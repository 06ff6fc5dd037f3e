import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live (not zombie) processes whose command line contains `needle`. */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) continue;
      if (/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
      out.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/**
 * SIGKILLs every process whose command line mentions `needle` (a test's temp folder), then waits
 * until none is left: workers started over SSH outlive their sessions by design, so a test that
 * fails half-way must reap them itself or they pile up on the machine. Returns the pids it killed.
 */
export async function killProcessesMentioning(needle: string, timeoutMs = 30_000): Promise<number[]> {
  const killed = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = processesMentioning(needle);
    if (alive.length === 0) return [...killed];
    if (Date.now() > deadline) throw new Error(`processes mentioning ${needle} survived SIGKILL: ${alive.join(', ')}`);
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
