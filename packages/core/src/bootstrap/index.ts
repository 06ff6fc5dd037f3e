// @iris/core/bootstrap: shell scripts and program bundles that start iris daemons on a remote host over SSH.
export { shellQuote, shellJoin, remotePathExpr } from './shell.js';
export { PHASE_PREFIX, ERROR_PREFIX, STATUS_PREFIX, BOOTSTRAP_PHASES, parseBootstrapOutput, phaseOfLine } from './phase-markers.js';
export type { BootstrapPhase, ParsedBootstrapOutput } from './phase-markers.js';
export { MIN_NODE_MAJOR, daemonStartScript, daemonStopScript, daemonStatusScript } from './daemon-script.js';
export type { DaemonSpec } from './daemon-script.js';
export { workerDaemonSpec, controllerDaemonSpec } from './daemon-specs.js';
export type { WorkerDaemonOptions, ControllerDaemonOptions } from './daemon-specs.js';
export { PROGRAM_COMPLETE_MARKER, programProbeScript, programUnpackScript } from './program-scripts.js';
export { PROGRAM_BUNDLE_FAILED, packProgram, packageDirOf, pathInPackage } from './program-bundle.js';
export type { ProgramBundle, PackProgramOptions } from './program-bundle.js';
