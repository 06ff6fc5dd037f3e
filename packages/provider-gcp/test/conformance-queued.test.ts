import { runProviderConformance } from '@iris/provider-testkit';
import gcpProvider, { TPU_STATE_MAP } from '../src/index.js';
import { QUEUED_STATE_MAP } from '../src/platform/queued-resource.js';
import { conformanceBackend } from './platform-fixture.js';

// The raw states a queued group's VMs report: the queue's while GCP holds the request, then the
// node's (ACTIVE hands over to the node, and a node state of the same name wins).
const queuedTable = Object.fromEntries(Object.entries(QUEUED_STATE_MAP).filter(([, state]) => state !== 'node')) as Record<string, string>;
const stateTable: Record<string, string> = { ...queuedTable, ...TPU_STATE_MAP };

// The same contract with `queued_resource: true`: every slice is a TPU queued resource.
runProviderConformance({
  plugin: gcpProvider,
  sampleConfig: { type: 'gcp', project_id: 'my-project', zones: ['europe-west4-b'], queued_resource: true },
  stateTable,
  mapState: (raw) => stateTable[raw] ?? 'unknown',
  backend: conformanceBackend({ queued_resource: true }),
});
