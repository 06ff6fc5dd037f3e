import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';

export const DASHBOARD_LOGIN_FAILED = 'IRIS_DASHBOARD_LOGIN_FAILED';

/** The program that opens a URL in the desktop's browser, per platform. */
function openerFor(platform: NodeJS.Platform): { command: string; args: (url: string) => string[] } {
  if (platform === 'darwin') return { command: 'open', args: (url) => [url] };
  if (platform === 'win32') return { command: 'cmd', args: (url) => ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: (url) => [url] };
}

async function openDashboard(options: { config?: string; open?: boolean }, io: CliIo): Promise<void> {
  const { existsSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { IrisError } = await import('@iris/core');
  const { resolveClusterTarget } = await import('../cluster/cluster-target.js');
  const { clusterClient } = await import('../actions/cluster.js');
  const target = await resolveClusterTarget(options.config, io);
  const { url } = await clusterClient(target);
  const tokenFile = join(target.cluster.config.controller.state_dir, 'token');
  if (!existsSync(tokenFile)) {
    throw new IrisError(DASHBOARD_LOGIN_FAILED, `no token file at ${tokenFile}: run iris dashboard where the controller's state dir is readable`);
  }
  const token = readFileSync(tokenFile, 'utf8').trim();
  // A one-time code, not the token, goes into the URL: it may end up in a browser history or a terminal log.
  let res: Response;
  try {
    res = await fetch(new URL('/api/v1/login-codes', url), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new IrisError(DASHBOARD_LOGIN_FAILED, `cannot reach the controller at ${url} to get a sign-in link: ${(err as Error).message}`, { cause: err });
  }
  const body = (await res.json().catch(() => ({}))) as { path?: string; expires_at_ms?: number; message?: string };
  if (!res.ok || typeof body.path !== 'string') {
    throw new IrisError(DASHBOARD_LOGIN_FAILED, `the controller at ${url} refused a sign-in link (HTTP ${res.status}${body.message ? `: ${body.message}` : ''}); is the token in ${tokenFile} current?`);
  }
  const link = new URL(body.path, url).href;
  const minutes = body.expires_at_ms ? Math.max(1, Math.round((body.expires_at_ms - Date.now()) / 60_000)) : undefined;
  io.out(`${link}\n`);
  io.err(`open this link to sign in to the dashboard of "${target.cluster.config.name}" (works once${minutes ? `, within ${minutes} min` : ''})\n`);
  if (options.open) {
    const { spawn } = await import('node:child_process');
    const opener = openerFor(process.platform);
    await new Promise<void>((resolve) => {
      const child = spawn(opener.command, opener.args(link), { stdio: 'ignore', detached: true });
      child.once('error', () => {
        io.err(`could not start ${opener.command} to open a browser; open the link above yourself\n`);
        resolve();
      });
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
  }
}

function register(program: Command, io: CliIo): void {
  program
    .command('dashboard')
    .description('print a one-time sign-in link to the dashboard of the running cluster')
    .option('-c, --config <file>', 'the cluster file (default: the built-in local cluster)')
    .option('--open', 'also open the link in the default browser')
    .action(async (options: { config?: string; open?: boolean }) => {
      await openDashboard(options, io);
    });
}

export const dashboardCommand: CliCommandGroup = { name: 'dashboard', register };
