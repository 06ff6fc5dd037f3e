import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildController } from '../support/child-controller.js';
import { startControllerProcess, stopProcess, type ControllerProcess } from './processes.js';

const started: ControllerProcess[] = [];
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'iris-fault-start-'));
  dirs.push(d);
  return d;
}
function run(stateDir: string, port = 0): ControllerProcess {
  const p = startControllerProcess(stateDir, port);
  started.push(p);
  return p;
}

beforeAll(() => buildController());
afterAll(async () => {
  for (const p of started) await stopProcess(p);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('controller start-up under faults', () => {
  it('exits non-zero on EADDRINUSE before touching its state (no database, no timers)', async () => {
    const first = run(tempDir());
    const url = await first.ready;
    const port = Number(new URL(url).port);
    const otherDir = tempDir();
    const second = run(otherDir, port);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/address is in use/);
    expect(existsSync(join(otherDir, 'controller.db'))).toBe(false);
    expect(existsSync(join(otherDir, 'controller.json'))).toBe(false);
    // Its lock went with it: the folder is free for the next controller.
    expect(existsSync(join(otherDir, 'controller.lock'))).toBe(false);
  });

  it('refuses a second controller on the same state dir, naming the first one pid and address', async () => {
    const dir = tempDir();
    const first = run(dir);
    const url = await first.ready;
    const infoBefore = readFileSync(join(dir, 'controller.json'), 'utf8');
    const second = run(dir);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`pid ${first.child.pid}`);
    expect(second.stderr()).toContain(url);
    // The first one's files are untouched and it still serves.
    expect(readFileSync(join(dir, 'controller.json'), 'utf8')).toBe(infoBefore);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('takes over the lock of a controller killed with SIGKILL', async () => {
    const dir = tempDir();
    const first = run(dir);
    await first.ready;
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(dir, 'controller.lock'))).toBe(true);
    const second = run(dir);
    const url = await second.ready;
    expect(JSON.parse(readFileSync(join(dir, 'controller.lock'), 'utf8')).pid).toBe(second.child.pid);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('keeps the state dir 0700 and the database and token 0600', async () => {
    const dir = join(tempDir(), 'state');
    const p = run(dir);
    await p.ready;
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'controller.db')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
  });

  it('says which file is damaged when the database is not a database', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'controller.db'), 'this is not sqlite '.repeat(400));
    const p = run(dir);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain(join(dir, 'controller.db'));
    expect(existsSync(join(dir, 'controller.lock'))).toBe(false);
  });
});
