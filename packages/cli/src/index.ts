export { main, cliVersion } from './main.js';
export type { CliIo } from './context.js';
export { buildProgram, runProgram } from './program.js';
export type { CliCommandGroup } from './commands/types.js';
export { COMMAND_GROUPS } from './commands/index.js';
export { loadBuiltinPlugins, BUILTIN_PROVIDER_PACKAGES, CLI_PACKAGE_DIR } from './builtins.js';
export { clusterLoadOptions, loadClusterFile, loadRegistry } from './cluster-file.js';
export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE, CliExit, usageError } from './exit-codes.js';
export { formatTable } from './output/table.js';
