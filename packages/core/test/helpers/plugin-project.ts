import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE_PACKAGES = fileURLToPath(new URL('../fixtures/plugin-packages/', import.meta.url));
const CORE_PACKAGE = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A real project folder for plugin resolution: `node_modules/` holds copies of the fixture plugin
 * packages, and `node_modules/@iris/core` links to this @iris/core (as npm would install it), so a
 * plugin and the loader share one copy of core. Fixtures cannot live in a committed node_modules.
 */
export class PluginProject {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'iris-plugin-project-'));
    mkdirSync(join(this.dir, 'node_modules', '@iris'), { recursive: true });
    symlinkSync(CORE_PACKAGE, join(this.dir, 'node_modules', '@iris', 'core'), 'dir');
  }

  /** Installs fixture package `fixture` under `node_modules/<as>`. */
  install(fixture: string, as: string = fixture): this {
    const target = join(this.dir, 'node_modules', as);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(FIXTURE_PACKAGES, fixture), target, { recursive: true });
    restoreNestedNodeModules(target);
    return this;
  }

  /** Copies a fixture package to a plain folder of the project (for relative-path plugins). */
  copyTo(fixture: string, relative: string): this {
    cpSync(join(FIXTURE_PACKAGES, fixture), join(this.dir, relative), { recursive: true });
    return this;
  }

  writeCluster(text: string, name = 'cluster.yaml'): string {
    const file = join(this.dir, name);
    writeFileSync(file, text);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Fixtures keep nested installs as `_node_modules` (git ignores node_modules); put them back. */
function restoreNestedNodeModules(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name === '_node_modules') renameSync(path, join(dir, 'node_modules'));
    else restoreNestedNodeModules(path);
  }
}
