// What a user who runs local workers only installs: `npm i @iris/cli` from tarballs into an empty folder.
// The figure is node_modules' size on disk plus better-sqlite3's native addon (npm downloads a prebuilt one, which
// this script copies from the workspace instead of compiling); the detail gives the install time with a warm cache.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { distUrl, repoRoot } from './lib/paths.mjs';

const PACKAGES = ['@iris/core', '@iris/controller', '@iris/worker', '@iris/provider-local', '@iris/cli'];
const BAR_BYTES = 40e6;
const ADDON = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';

export const name = 'local-only-consumer-install';
export const bar = '≤ 40 MB node_modules';

export async function run() {
  distUrl('cli', 'main.js'); // fails early, with a hint, when the packages are not built
  const dir = mkdtempSync(join(tmpdir(), 'iris-install-bench-'));
  try {
    const tarballs = join(dir, 'tarballs');
    const project = join(dir, 'project');
    mkdirSync(tarballs);
    mkdirSync(project);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', tarballs, ...PACKAGES.flatMap((p) => ['-w', p])], {
        cwd: repoRoot,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      }),
    );
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const started = performance.now();
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...packed.map((p) => join(tarballs, p.filename))],
      {
        cwd: project,
        stdio: 'ignore',
      },
    );
    const installMs = performance.now() - started;
    mkdirSync(join(project, dirname(ADDON)), { recursive: true });
    copyFileSync(join(repoRoot, ADDON), join(project, ADDON));
    const bytes = Number(execFileSync('du', ['-sb', join(project, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
    const packages = execFileSync('npm', ['ls', '--all', '--parseable'], { cwd: project, encoding: 'utf8' }).split('\n').filter(Boolean).length - 1;
    const tarballBytes = packed.reduce((sum, p) => sum + statSync(join(tarballs, p.filename)).size, 0);
    return {
      figure: `${(bytes / 1e6).toFixed(1)} MB`,
      pass: bytes <= BAR_BYTES,
      detail: `${packages} packages; npm install (warm cache, --ignore-scripts) ${(installMs / 1000).toFixed(1)} s; Iris tarballs ${(tarballBytes / 1e3).toFixed(0)} kB; no @google-cloud, ssh2 or provider-gcp/manual`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
