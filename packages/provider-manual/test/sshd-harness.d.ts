import { type ChildProcess } from 'node:child_process';
/** One "host": an OpenSSH server of its own on a loopback address, with its own host key. */
export interface TestSshHost {
    address: string;
    port: number;
    hostKeyPub: string;
    config: string;
    process?: ChildProcess;
}
/**
 * Real sshd servers for the tests, started as root on 127.0.0.2, .3, .4 with keys generated here.
 * Failing to run them fails the tests loudly: CI installs openssh-server.
 */
export declare class SshdHarness {
    readonly dir: string;
    readonly clientKey: string;
    readonly refusedKey: string;
    readonly knownHosts: string;
    readonly hosts: Map<string, TestSshHost>;
    start(addresses: readonly string[]): Promise<void>;
    host(address: string): TestSshHost;
    startHost(address: string): Promise<void>;
    /** Stops the host's sshd and every session it serves, as a machine going away would. */
    stopHost(address: string): Promise<void>;
    stop(): Promise<void>;
}
//# sourceMappingURL=sshd-harness.d.ts.map