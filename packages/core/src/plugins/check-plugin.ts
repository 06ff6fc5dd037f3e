import { Ajv } from 'ajv';
import { CORE_INSTANCE, isProviderPlugin, PROVIDER_API_VERSION, type JsonSchema, type ProviderPlugin } from '../plugin.js';
import { CORE_VERSION } from '../version.js';
import type { PluginFailure } from './plugin-errors.js';

/**
 * Checks that a module's default export is a provider plugin this copy of @iris/core can use.
 * Returns the failures (empty when usable); each names the package and says what to do.
 */
export function checkPlugin(candidate: unknown, packageName: string): PluginFailure[] {
  if (!isProviderPlugin(candidate)) {
    return [
      {
        code: 'not_a_plugin',
        packageName,
        message: `${packageName}: its default export is not an Iris provider plugin; export default defineProvider({...}) from @iris/core`,
      },
    ];
  }
  if (candidate.apiVersion !== PROVIDER_API_VERSION) {
    return [
      {
        code: 'api_version',
        packageName,
        message: `${packageName}: speaks provider API version ${String(candidate.apiVersion)}, this Iris speaks ${PROVIDER_API_VERSION}; install a version of ${packageName} made for @iris/core ${CORE_VERSION}`,
      },
    ];
  }
  if (candidate.coreInstance !== CORE_INSTANCE) {
    return [
      {
        code: 'core_copy',
        packageName,
        message: `${packageName}: was made with a different copy of @iris/core (${String(candidate.coreVersion)}) than this Iris (${CORE_VERSION}); make @iris/core a peerDependency of ${packageName} and run npm dedupe so one copy is installed`,
      },
    ];
  }
  return [...checkSchema(candidate, packageName, 'configSchema', candidate.configSchema), ...checkControllerSchema(candidate, packageName)];
}

function checkControllerSchema(plugin: ProviderPlugin, packageName: string): PluginFailure[] {
  return plugin.controllerSchema ? checkSchema(plugin, packageName, 'controllerSchema', plugin.controllerSchema) : [];
}

// One instance for every check: building Ajv compiles the draft-07 meta-schema, which is the cost.
let metaAjv: Ajv | undefined;
// A plugin object is immutable, so its verdict is cached per schema object.
const verdicts = new WeakMap<object, string | null>();

/**
 * Why `schema` is not a usable JSON Schema, or null. Checked against the draft-07 meta-schema (fast);
 * `compileAlone` also generates code for it, which the validator does only when compiling the
 * composed schema failed, to find the package to blame.
 */
export function schemaProblem(schema: JsonSchema, compileAlone = false): string | null {
  if (!compileAlone && verdicts.has(schema)) return verdicts.get(schema) as string | null;
  metaAjv ??= new Ajv({ strict: false, allErrors: true });
  let verdict: string | null = null;
  try {
    if (compileAlone) new Ajv({ strict: false, allErrors: true, validateSchema: true }).compile(schema);
    else if (!metaAjv.validateSchema(schema)) verdict = metaAjv.errorsText(metaAjv.errors, { dataVar: 'schema' });
  } catch (err) {
    verdict = err instanceof Error ? err.message : String(err);
  }
  if (!compileAlone) verdicts.set(schema, verdict);
  return verdict;
}

function checkSchema(plugin: ProviderPlugin, packageName: string, field: string, schema: JsonSchema): PluginFailure[] {
  const failures: PluginFailure[] = [];
  const verdict = schemaProblem(schema);
  if (verdict !== null) {
    failures.push({
      code: 'schema_invalid',
      packageName,
      message: `${packageName}: its ${field} is not a valid JSON Schema (${verdict}); fix the schema in ${packageName}`,
    });
  }
  const props = schema['properties'] as Record<string, { const?: unknown }> | undefined;
  const problems: string[] = [];
  if (schema['type'] !== 'object') problems.push('`type: "object"`');
  if (schema['additionalProperties'] !== false) problems.push('`additionalProperties: false`');
  if (props?.['type']?.const !== plugin.type) problems.push(`\`properties.type.const: "${plugin.type}"\``);
  if (problems.length > 0) {
    failures.push({
      code: 'schema_not_strict',
      packageName,
      message: `${packageName}: its ${field} must be strict so typos are caught; add ${problems.join(', ')}`,
    });
  }
  return failures;
}
