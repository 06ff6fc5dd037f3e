import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformFromPlugin, runProviderConformance, testPlatformDeps, testWorkerBootstrap, testWorkerLaunch } from '@iris/provider-testkit';
import localProvider, { LOCAL_STATE_MAP, mapLocalState } from '../src/index.js';

// Real worker processes, started through a stand-in `iris` command that idles like a worker.
const fakeIris = fileURLToPath(new URL('./fixtures/fake-iris.mjs', import.meta.url));
// The join check runs the real `iris` program (built before the tests run), as a cluster would.
const realIris = fileURLToPath(new URL('../../cli/bin/iris.js', import.meta.url));

runProviderConformance({
  plugin: localProvider,
  sampleConfig: { type: 'local', work_dir: '/tmp/iris-workers' },
  sampleControllerConfig: { type: 'local', port: 0 },
  stateTable: LOCAL_STATE_MAP,
  mapState: mapLocalState,
  backend: async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'iris-local-conformance-'));
    const deps = testPlatformDeps(stateDir, { irisCommand: [process.execPath, fakeIris] });

    return {
      createPlatform: () => platformFromPlugin(localProvider, { type: 'local' }, deps),
      joinPlatform: () => platformFromPlugin(localProvider, { type: 'local' }, { ...deps, irisCommand: [process.execPath, realIris] }),
      group: {
        name: 'cpu',
        provider: { type: 'local' },
        accelerator_type: 'cpu',
        accelerator_variant: 'cpu',
        slice_size: 2,
        resources: { cpu: 1, ram: 1e9, disk: 1e9, gpu_count: 0, tpu_count: 0 },
        preemptible: false,
        min_slices: 0,
        max_slices: 4,
        priority: 100,
        attributes: {},
      },
      bootstrap: testWorkerBootstrap(),
      // Without a controller address a worker could never register: the provider refuses up front.
      refuseCreate: () => ({ request: { launch: testWorkerLaunch({ controllerUrl: '' }) }, kinds: ['invalid_request'] }),
      cleanup: async () => rmSync(stateDir, { recursive: true, force: true }),
    };
  },
});
