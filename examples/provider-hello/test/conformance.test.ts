import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformFromPlugin, runProviderConformance, testPlatformDeps, testWorkerLaunch } from '@iris/provider-testkit';
import helloProvider, { HELLO_STATE_MAP, mapHelloState } from '../src/index.js';
import { helloGroup, workerBootstrap } from './hello-fixture.js';

// Real processes: the fixture stands in for the `iris` program and idles like a worker.
const fakeIris = fileURLToPath(new URL('./fixtures/fake-iris.mjs', import.meta.url));

/** The real `iris` program for the join check: this repository's, else the installed @iris/cli. */
function realIris(): string | undefined {
  const inRepo = fileURLToPath(new URL('../../../packages/cli/bin/iris.js', import.meta.url));
  if (existsSync(inRepo)) return inRepo;
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@iris/cli/package.json')), 'bin', 'iris.js');
  } catch {
    return undefined;
  }
}

runProviderConformance({
  plugin: helloProvider,
  sampleConfig: { type: 'hello', greeting: 'bonjour' },
  stateTable: HELLO_STATE_MAP,
  mapState: mapHelloState,
  backend: async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'hello-conformance-'));
    const iris = realIris();
    const deps = testPlatformDeps(stateDir, {
      timeouts: { boot: 60_000, init: 60_000, ssh_poll_interval: 1_000 },
      irisCommand: [process.execPath, fakeIris],
    });

    return {
      createPlatform: () => platformFromPlugin(helloProvider, { type: 'hello', greeting: 'hello' }, deps),
      // Each VM must run a real `iris worker` that registers under its VM id (the join contract).
      ...(iris === undefined
        ? {}
        : { joinPlatform: () => platformFromPlugin(helloProvider, { type: 'hello' }, { ...deps, irisCommand: [process.execPath, iris] }) }),
      group: helloGroup(2),
      bootstrap: workerBootstrap,
      // No controller address anywhere: a worker could never register, so the create is refused.
      refuseCreate: () => ({ request: { launch: testWorkerLaunch({ controllerUrl: '' }) }, kinds: ['invalid_request'] }),
      cleanup: async () => rmSync(stateDir, { recursive: true, force: true }),
    };
  },
});
