import { runProviderConformance } from '@iris/provider-testkit';
import gcpProvider, { mapTpuState, TPU_STATE_MAP } from '../src/index.js';
import { emulatedPlatform, startEmulator, tpuGroup, ZONES } from './platform-fixture.js';

// The real @google-cloud/tpu client, pointed at the local emulator of the TPU v2 REST API.
runProviderConformance({
  plugin: gcpProvider,
  sampleConfig: { type: 'gcp', project_id: 'my-project', zones: ['europe-west4-b'] },
  sampleControllerConfig: { type: 'gcp', machine_type: 'e2-standard-4' },
  stateTable: TPU_STATE_MAP,
  mapState: mapTpuState,
  backend: async () => {
    const { emulator, endpoint } = await startEmulator();
    return {
      createPlatform: () => emulatedPlatform(endpoint),
      group: tpuGroup('tpu_v5e_16'),
      bootstrap: { role: 'worker', labels: {}, providerOverrides: {} },
      zones: ZONES,
      // Every zone stocked out: the create fails as capacity once each zone was tried.
      refuseCreate: () => {
        emulator.faults.add({ at: 'operation', kind: 'stockout', times: ZONES.length });
        return { kinds: ['capacity'] };
      },
      cleanup: () => emulator.stop(),
    };
  },
});
