import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/broken/', import.meta.url));
const vitestBin = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));

/** Runs the suite against a provider that breaks the contract and returns the report. */
async function reportOnBrokenProvider(): Promise<{ code: number; output: string }> {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'FORCE_COLOR')),
    NO_COLOR: '1',
  };
  try {
    const r = await run(process.execPath, [vitestBin, 'run', '--root', fixture, '--reporter', 'verbose'], { cwd: fixture, env, maxBuffer: 16 << 20 });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('the conformance suite reports each broken rule with what the contract expects', () => {
  let report: { code: number; output: string };
  beforeAll(async () => {
    report = await reportOnBrokenProvider();
  }, 180_000);

  it('fails the run', () => {
    expect(report.code).not.toBe(0);
  });

  it.each([
    ['a loose schema', 'configSchema.additionalProperties must be false'],
    ['an undocumented property', 'configSchema property /type needs a description'],
    ['a non-idempotent create', 'creating twice with one request id must return the same slice'],
    ['no adoption after a restart', 'a new platform (a restarted controller) must list the slice by its labels'],
    ['a terminate that throws for an unknown slice', 'terminating an unknown slice must succeed'],
    ['a state table with a non-VmState', 'raw state "WEIRD" maps to "sideways", which is not a VmState'],
    ['a refusal that never comes', 'the create must be refused'],
    ['listVms that finds nothing', 'listVms with the slice’s labels must find its VMs'],
    ['VMs that never start a worker', 'VM(s) s-'],
    [
      'VMs that never start a worker (what to run)',
      'never registered with the controller within 3 s: each VM must run `iris worker` with the argv and environment of workerJoinCommand(request.launch, vm.vmId)',
    ],
    ['a worker under the wrong id', 'a worker registered under the wrong id: "my-hostname" is no VM of the slice'],
  ])('%s', (_what, message) => {
    expect(report.output).toContain(message);
  });

  it('passes the rules the broken provider keeps', () => {
    expect(report.output).toMatch(/✓ .*is branded and speaks this core’s provider API version/);
    expect(report.output).toMatch(/✓ .*registers a PlatformFactory for its type/);
  });
});
