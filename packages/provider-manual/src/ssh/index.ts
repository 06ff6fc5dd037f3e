export { SshConnection } from './ssh-connection.js';
export type { SshTarget, SshConnectOptions, ExecOptions, ExecResult } from './ssh-connection.js';
export { SshPool } from './ssh-pool.js';
export type { SshPoolOptions } from './ssh-pool.js';
export { sha256Fingerprint, parseKnownHosts, knownHostsName, entryMatches, verifyHostKey, expandHome } from './host-key.js';
export type { KnownHostEntry, HostKeyVerdict } from './host-key.js';
export { sshProviderError } from './ssh-errors.js';
