/** Test support for packages that exercise the manual provider against real sshd servers. */
export { SshdHarness } from './sshd-harness.js';
export type { TestSshHost, SshdStartOptions } from './sshd-harness.js';
export { killProcessesMentioning, processesMentioning } from './processes.js';
