import { runProviderConformance } from '@iris/provider-testkit';
import gcpProvider, { mapTpuState, TPU_STATE_MAP } from '../src/index.js';
import { conformanceBackend } from './platform-fixture.js';

// The real @google-cloud/tpu client, pointed at the local emulator of the TPU v2 REST API.
runProviderConformance({
  plugin: gcpProvider,
  sampleConfig: { type: 'gcp', project_id: 'my-project', zones: ['europe-west4-b'] },
  sampleControllerConfig: { type: 'gcp', machine_type: 'e2-standard-4' },
  stateTable: TPU_STATE_MAP,
  mapState: mapTpuState,
  backend: conformanceBackend(),
});
