import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonStartScript, daemonStatusScript, daemonStopScript } from './daemon-script.js';
import { workerDaemonSpec } from './daemon-specs.js';
import { parseBootstrapOutput } from './phase-markers.js';
import { packProgram, packageDirOf, pathInPackage, type ProgramBundle } from './program-bundle.js';
import { programProbeScript, programUnpackScript } from './program-scripts.js';
import { remotePathExpr, shellJoin } from './shell.js';

const fakeProgram = fileURLToPath(new URL('./fixtures/fake-program', import.meta.url));

/** Runs a generated script the way SSH does: bash reading it on stdin. */
function runScript(script: string, env: Record<string, string> = {}): { code: number; out: string } {
  const res = spawnSync('bash', ['-s'], { input: script, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: res.status ?? -1, out: `${res.stdout}${res.stderr}` };
}

/** Alive and not a zombie (an orphan whose reaper has not collected it yet counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('shell quoting', () => {
  it('passes any word through bash unchanged', () => {
    const words = ['plain', "it's", 'a b', '$HOME', '`x`', 'line\nbreak', '', '"q"'];
    const res = runScript(`printf '%s\\0' ${shellJoin(words)}`);
    expect(res.out.split('\0').slice(0, -1)).toEqual(words);
  });

  it('expands a leading ~/ on the host and nothing else', () => {
    expect(runScript(`printf %s ${remotePathExpr('~/a b')}`, { HOME: '/h' }).out).toBe('/h/a b');
    expect(runScript(`printf %s ${remotePathExpr('/x/~/$y')}`).out).toBe('/x/~/$y');
  });
});

describe('parseBootstrapOutput', () => {
  it('collects phases, errors and status, ignoring other lines', () => {
    const parsed = parseBootstrapOutput('noise\nIRIS_PHASE a\nIRIS_PHASE b\r\nIRIS_ERROR bad thing\nIRIS_STATUS running 12\n');
    expect(parsed).toEqual({ phases: ['a', 'b'], lastPhase: 'b', errors: ['bad thing'], status: 'running 12' });
  });
});

// Real processes: wide budgets, since CI runs many projects at once on two cores.
describe('program bundle and daemon scripts (run with local bash)', { timeout: 120_000 }, () => {
  let dir: string;
  let bundle: ProgramBundle;
  const started: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-bootstrap-'));
    bundle = await packProgram({ packageDir: fakeProgram, entry: 'bin/iris.js', outDir: join(dir, 'out') });
  });

  afterAll(() => {
    for (const pid of started) if (alive(pid)) process.kill(-pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('packs the program with its runtime dependencies, named by content hash, reused when unchanged', async () => {
    expect(bundle.entry).toBe('node_modules/iris-fake-program/bin/iris.js');
    expect(bundle.packages.map((p) => p.split('@')[0])).toEqual(['iris-fake-program', 'yaml']);
    expect(bundle.tarball).toBe(join(dir, 'out', `${bundle.hash}.tar.gz`));
    const mtime = statSync(bundle.tarball).mtimeMs;
    const again = await packProgram({ packageDir: fakeProgram, entry: 'bin/iris.js', outDir: join(dir, 'out') });
    expect(again.hash).toBe(bundle.hash);
    expect(statSync(again.tarball).mtimeMs).toBe(mtime);
  });

  it('leaves out excluded packages and what only they need', async () => {
    const lean = await packProgram({ packageDir: fakeProgram, entry: 'bin/iris.js', outDir: join(dir, 'lean'), exclude: ['yaml'] });
    expect(lean.packages.map((p) => p.split('@')[0])).toEqual(['iris-fake-program']);
    expect(lean.hash).not.toBe(bundle.hash);
  });

  it('refuses an entry the package does not publish', async () => {
    await expect(packProgram({ packageDir: fakeProgram, entry: 'nope.js', outDir: join(dir, 'out') })).rejects.toMatchObject({
      code: 'IRIS_PROGRAM_BUNDLE_FAILED',
    });
  });

  it('finds the package of a file', () => {
    const pkg = packageDirOf(join(fakeProgram, 'bin', 'iris.js'));
    expect(pkg).toBe(fakeProgram);
    expect(pathInPackage(pkg!, join(fakeProgram, 'bin', 'iris.js'))).toBe('bin/iris.js');
  });

  it('unpacks once into the cache and reports it present afterwards', () => {
    const programs = join(dir, 'programs');
    expect(parseBootstrapOutput(runScript(programProbeScript(programs, bundle.hash)).out).status).toBe(`missing ${programs}`);
    const res = runScript(`cp ${bundle.tarball} ${programs}/up.tgz\n${programUnpackScript(programs, bundle.hash, join(programs, 'up.tgz'))}`);
    expect(res.code).toBe(0);
    expect(parseBootstrapOutput(res.out).status).toBe('unpacked');
    expect(existsSync(join(programs, 'up.tgz'))).toBe(false);
    expect(parseBootstrapOutput(runScript(programProbeScript(programs, bundle.hash)).out).status).toBe('present');
  });

  it('keeps the tarball beside the program when asked, and re-packing the unpacked program gives the same hash', async () => {
    const programs = join(dir, 'controller-programs');
    // Without the tarball the program does not count as present for a controller.
    const first = runScript(
      `mkdir -p ${programs} && cp ${bundle.tarball} ${programs}/up.tgz\n${programUnpackScript(programs, bundle.hash, join(programs, 'up.tgz'))}`,
    );
    expect(first.code).toBe(0);
    expect(parseBootstrapOutput(runScript(programProbeScript(programs, bundle.hash, { keepTarball: true })).out).status).toBe(`missing ${programs}`);
    const res = runScript(
      `cp ${bundle.tarball} ${programs}/up.tgz\n${programUnpackScript(programs, bundle.hash, join(programs, 'up.tgz'), { keepTarball: true })}`,
    );
    expect(parseBootstrapOutput(res.out).status).toBe('present');
    expect(existsSync(join(programs, 'up.tgz'))).toBe(false);
    expect(existsSync(join(programs, `${bundle.hash}.tar.gz`))).toBe(true);
    expect(parseBootstrapOutput(runScript(programProbeScript(programs, bundle.hash, { keepTarball: true })).out).status).toBe('present');
    // A controller started from this program packs it for its workers: same files, same hash, so
    // it finds the kept tarball instead of packing again.
    const unpackedPackage = join(programs, bundle.hash, bundle.entry.replace(/\/bin\/iris\.js$/, ''));
    const again = await packProgram({ packageDir: unpackedPackage, entry: 'bin/iris.js', outDir: programs });
    expect(again.hash).toBe(bundle.hash);
    expect(again.tarball).toBe(join(programs, `${bundle.hash}.tar.gz`));
  });

  it('starts a worker detached, idempotently, reports status, and stops it', () => {
    const workerDir = join(dir, 'workers', 'w-1');
    const spec = workerDaemonSpec({
      dir: workerDir,
      workerId: 'w-1',
      programDir: join(dir, 'programs', bundle.hash),
      entry: bundle.entry,
      controllerAddress: 'http://127.0.0.1:1',
      attributes: { 'iris-slice': 's-1' },
      cpu: 2,
      env: { IRIS_TOKEN: "to'ken" },
      settleSeconds: 0.3,
      stopGraceSeconds: 2,
    });
    const first = runScript(daemonStartScript(spec));
    expect(first.code, first.out).toBe(0);
    const parsed = parseBootstrapOutput(first.out);
    expect(parsed.phases).toEqual(['prerequisites', 'configure', 'start', 'running']);
    expect(first.out).not.toContain("to'ken");
    const pid = Number(readFileSync(join(workerDir, 'pid'), 'utf8'));
    started.push(pid);
    expect(parsed.status).toBe(`started ${pid}`);
    // The worker writes argv.json once node has loaded it; under load that may follow `running`.
    const argvDeadline = Date.now() + 60_000;
    while (!existsSync(join(workerDir, 'argv.json')) && Date.now() < argvDeadline) spawnSync('sleep', ['0.05']);
    const seen = JSON.parse(readFileSync(join(workerDir, 'argv.json'), 'utf8')) as { args: string[]; token: string; yaml: string };
    expect(seen.args).toEqual(expect.arrayContaining(['worker', '--worker-id', 'w-1', '--attribute', 'iris-slice=s-1']));
    expect(seen.token).toBe("to'ken");
    expect(seen.yaml).toBe('ok: true\n');
    expect(statSync(join(workerDir, 'env')).mode & 0o777).toBe(0o600);

    const second = runScript(daemonStartScript(spec));
    expect(parseBootstrapOutput(second.out).status).toBe(`already-running ${pid}`);
    expect(Number(readFileSync(join(workerDir, 'pid'), 'utf8'))).toBe(pid);
    expect(parseBootstrapOutput(runScript(daemonStatusScript(spec)).out).status).toBe(`running ${pid}`);

    const stop = runScript(daemonStopScript(spec));
    expect(stop.code, stop.out).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(workerDir, 'env'))).toBe(false);
    expect(parseBootstrapOutput(runScript(daemonStatusScript(spec)).out).status).toBe('stopped');
    expect(runScript(daemonStopScript(spec)).code).toBe(0);
  });

  it('fails the start with the log tail when the program exits at once', () => {
    const spec = workerDaemonSpec({
      dir: join(dir, 'workers', 'w-dies'),
      workerId: 'w-dies',
      programDir: join(dir, 'programs', bundle.hash),
      entry: bundle.entry,
      controllerAddress: 'http://127.0.0.1:1',
      attributes: {},
      env: { FAKE_EXIT: '1' },
      // Long enough for node to start and exit on a loaded machine; the script returns as soon as it has.
      settleSeconds: 60,
      stopGraceSeconds: 1,
    });
    const res = runScript(daemonStartScript(spec));
    expect(res.code).toBe(1);
    const parsed = parseBootstrapOutput(res.out);
    expect(parsed.lastPhase).toBe('start');
    expect(parsed.errors[0]).toMatch(/the worker exited during start/);
  });

  it('fails at prerequisites when the program is missing', () => {
    const spec = workerDaemonSpec({
      dir: join(dir, 'workers', 'w-x'),
      workerId: 'w-x',
      programDir: join(dir, 'programs', 'absent'),
      entry: bundle.entry,
      controllerAddress: 'http://127.0.0.1:1',
      attributes: {},
      env: {},
      settleSeconds: 0.1,
      stopGraceSeconds: 1,
    });
    const parsed = parseBootstrapOutput(runScript(daemonStartScript(spec)).out);
    expect(parsed.lastPhase).toBe('prerequisites');
    expect(parsed.errors[0]).toMatch(/the Iris program is missing/);
  });
});
