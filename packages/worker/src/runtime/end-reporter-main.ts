// Reports one attempt's successful end straight to the controller, for a worker that may be frozen
// or dead: started detached by the attempt's supervisor when the task exits 0, it reads one JSON
// object on stdin (never the environment or the command line: it holds the worker's credential):
//   {url, token?, task_id, attempt, grace_ms, give_up_ms, exit_file, started_at_ms, finished_at_ms}
// The worker removes exit_file once the controller has its own report of the end, and writes
// `<exit_file>.stop` before it stops an attempt itself (a kill, a timeout: then the end is the
// worker's to tell). So the reporter waits up to grace_ms for the file to go, then POSTs the end,
// retrying with backoff until give_up_ms, and stays silent once either file says the worker did
// it. The controller applies the end exactly as the worker's own report: a repeat is a no-op.
import { existsSync } from 'node:fs';
import { Backoff } from '../daemon/backoff.js';

interface ReporterInput {
  url: string;
  token?: string;
  task_id: string;
  attempt: number;
  grace_ms: number;
  give_up_ms: number;
  exit_file: string;
  started_at_ms: number;
  finished_at_ms: number;
}

const POLL_MS = 100;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5_000;
const CALL_TIMEOUT_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function readInput(): Promise<ReporterInput | undefined> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  try {
    const input = JSON.parse(text) as ReporterInput;
    const valid =
      typeof input.url === 'string' &&
      typeof input.task_id === 'string' &&
      Number.isInteger(input.attempt) &&
      typeof input.exit_file === 'string' &&
      Number.isFinite(input.grace_ms) &&
      Number.isFinite(input.give_up_ms);
    return valid ? input : undefined;
  } catch {
    return undefined;
  }
}

/** The worker told the controller itself (the end file is gone), or the end is its to tell. */
function workerHasIt(input: ReporterInput): boolean {
  return !existsSync(input.exit_file) || existsSync(`${input.exit_file}.stop`);
}

/** 'done' once the controller has the end (or refuses it for good), 'retry' while it cannot be reached. */
async function post(input: ReporterInput): Promise<'done' | 'retry'> {
  const body = {
    task_id: input.task_id,
    attempt: input.attempt,
    state: 'SUCCEEDED',
    exit_code: 0,
    ...(Number.isFinite(input.started_at_ms) ? { started_at_ms: input.started_at_ms } : {}),
    ...(Number.isFinite(input.finished_at_ms) ? { finished_at_ms: input.finished_at_ms } : {}),
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (input.token) headers['authorization'] = `Bearer ${input.token}`;
  try {
    const res = await fetch(input.url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    await res.arrayBuffer().catch(() => undefined);
    // 5xx: the controller is starting or cannot write now. 4xx: refused (an attempt no longer its,
    // a revoked credential): retrying would not change the answer, the worker reports when it can.
    return res.status >= 500 ? 'retry' : 'done';
  } catch {
    return 'retry';
  }
}

async function main(): Promise<void> {
  const input = await readInput();
  if (!input) return;
  const began = Date.now();
  while (Date.now() - began < input.grace_ms) {
    if (workerHasIt(input)) return;
    await sleep(POLL_MS);
  }
  // Jittered like the worker's own retries: reporters of one controller outage do not come back at once.
  const backoff = new Backoff(FIRST_RETRY_MS, MAX_RETRY_MS);
  while (Date.now() - began < input.give_up_ms) {
    if (workerHasIt(input)) return;
    if ((await post(input)) === 'done') return;
    await sleep(backoff.next());
  }
}

main().then(
  () => process.exit(0),
  () => process.exit(1),
);
