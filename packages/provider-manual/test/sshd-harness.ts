// The harness lives in src/testing so other packages' end-to-end tests reuse it (`@iris/provider-manual/testing`).
export { SshdHarness } from '../src/testing/sshd-harness.js';
export type { TestSshHost, SshdStartOptions } from '../src/testing/sshd-harness.js';
export { killProcessesMentioning, processesMentioning } from '../src/testing/processes.js';
