import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';

export const DASHBOARD_LOGIN_FAILED = 'IRIS_DASHBOARD_LOGIN_FAILED';
export const DASHBOARD_SESSIONS_FAILED = 'IRIS_DASHBOARD_SESSIONS_FAILED';

/** The program that opens a URL in the desktop's browser, per platform. */
function openerFor(platform: NodeJS.Platform): { command: string; args: (url: string) => string[] } {
  if (platform === 'darwin') return { command: 'open', args: (url) => [url] };
  if (platform === 'win32') return { command: 'cmd', args: (url) => ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: (url) => [url] };
}

interface DashboardOptions {
  config?: string;
  open?: boolean;
}

/**
 * The controller of the target cluster and its token (the controller host's, e.g. read over SSH
 * from a GCE controller, else the state dir's). `close` ends the tunnel when one was opened.
 */
async function controllerOf(
  options: { config?: string },
  io: CliIo,
): Promise<{ url: string; token: string; tokenFile: string; name: string; tunnelled: boolean; close: () => Promise<void> }> {
  const { join } = await import('node:path');
  const { IrisError } = await import('@iris/core');
  const { resolveClusterTarget } = await import('../cluster/cluster-target.js');
  const { clusterClient } = await import('../actions/cluster.js');
  const target = await resolveClusterTarget(options.config, io);
  const connection = await clusterClient(target);
  const tokenFile = join(target.cluster.config.controller.state_dir, 'token');
  if (connection.token === undefined) {
    await connection.close();
    throw new IrisError(DASHBOARD_LOGIN_FAILED, `no token file at ${tokenFile}: run iris dashboard where the controller's state dir is readable`);
  }
  return {
    url: connection.url,
    token: connection.token,
    tokenFile,
    name: target.cluster.config.name,
    tunnelled: connection.tunnel !== undefined,
    close: () => connection.close(),
  };
}

/** Until SIGINT or SIGTERM: the tunnel the link goes through must stay open while the browser uses it. */
async function holdUntilSignal(): Promise<void> {
  await new Promise<void>((resolve) => {
    // A pending promise does not keep node running; this timer does.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const done = (): void => {
      clearInterval(keepAlive);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** One call to the controller's API with the token; errors say which controller and what to do. */
async function call(url: string, token: string, method: string, path: string, what: string): Promise<{ res: Response; body: Record<string, unknown> }> {
  const { IrisError } = await import('@iris/core');
  let res: Response;
  try {
    res = await fetch(new URL(path, url), { method, headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new IrisError(DASHBOARD_LOGIN_FAILED, `cannot reach the controller at ${url} to ${what}: ${(err as Error).message}`, { cause: err });
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { res, body };
}

async function openDashboard(options: DashboardOptions, io: CliIo): Promise<void> {
  const { url, token, tokenFile, name, tunnelled, close } = await controllerOf(options, io);
  try {
    await signIn(options, io, { url, token, tokenFile, name });
    if (tunnelled) {
      io.err(`the link goes through an SSH tunnel that stays open while this command runs; press Ctrl-C to close it\n`);
      await holdUntilSignal();
    }
  } finally {
    await close();
  }
}

async function signIn(options: DashboardOptions, io: CliIo, target: { url: string; token: string; tokenFile: string; name: string }): Promise<void> {
  const { IrisError } = await import('@iris/core');
  const { url, token, tokenFile, name } = target;
  // A one-time code, not the token, goes into the URL: it may end up in a browser history or a terminal log.
  const { res, body } = await call(url, token, 'POST', '/api/v1/login-codes', 'get a sign-in link');
  if (!res.ok || typeof body['path'] !== 'string') {
    const message = typeof body['message'] === 'string' ? `: ${body['message']}` : '';
    throw new IrisError(
      DASHBOARD_LOGIN_FAILED,
      `the controller at ${url} refused a sign-in link (HTTP ${res.status}${message}); is the token in ${tokenFile} current?`,
    );
  }
  const link = new URL(body['path'], url).href;
  const expires = typeof body['expires_at_ms'] === 'number' ? body['expires_at_ms'] : undefined;
  const minutes = expires ? Math.max(1, Math.round((expires - Date.now()) / 60_000)) : undefined;
  io.out(`${link}\n`);
  io.err(`open this link to sign in to the dashboard of "${name}" (works once${minutes ? `, within ${minutes} min` : ''})\n`);
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

interface SessionRow {
  id: string;
  created_at_ms: number;
  expires_at_ms: number;
  last_used_ms: number;
  user_agent?: string;
}

/** `iris dashboard sessions [--revoke ID]`: who is signed in to the dashboard, and cutting one browser off. */
async function sessions(options: { config?: string; revoke?: string; json?: boolean }, io: CliIo): Promise<void> {
  const { url, token, close } = await controllerOf(options, io);
  try {
    await listOrRevoke(options, io, url, token);
  } finally {
    await close();
  }
}

async function listOrRevoke(options: { revoke?: string; json?: boolean }, io: CliIo, url: string, token: string): Promise<void> {
  const { IrisError } = await import('@iris/core');
  const { printJson } = await import('../output/json.js');
  if (options.revoke !== undefined) {
    const { res, body } = await call(url, token, 'DELETE', `/api/v1/sessions/${encodeURIComponent(options.revoke)}`, 'revoke a session');
    if (!res.ok) throw new IrisError(DASHBOARD_SESSIONS_FAILED, `cannot revoke session ${options.revoke}: ${String(body['message'] ?? `HTTP ${res.status}`)}`);
    const revoked = body['revoked'] as SessionRow;
    if (options.json) printJson(io, body);
    else io.out(`revoked session ${revoked.id}: that browser is signed out at its next refresh\n`);
    return;
  }
  const { res, body } = await call(url, token, 'GET', '/api/v1/sessions', 'list sessions');
  if (!res.ok) throw new IrisError(DASHBOARD_SESSIONS_FAILED, `cannot list sessions: ${String(body['message'] ?? `HTTP ${res.status}`)}`);
  const items = (body['items'] ?? []) as SessionRow[];
  if (options.json) {
    printJson(io, { items });
    return;
  }
  if (items.length === 0) {
    io.out('no dashboard sessions (iris dashboard prints a sign-in link)\n');
    return;
  }
  const { formatTable } = await import('../output/table.js');
  const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  io.out(
    formatTable(
      ['ID', 'SIGNED IN', 'LAST USED', 'EXPIRES', 'BROWSER'],
      items.map((s) => [s.id, when(s.created_at_ms), when(s.last_used_ms), when(s.expires_at_ms), browserName(s.user_agent)]),
    ),
  );
}

/** "Mozilla/5.0 (X11; Linux x86_64) … Chrome/120.0 Safari/537.36" → "Chrome 120 (Linux)"; the rest is noise in a table. */
function browserName(ua: string | undefined): string {
  if (!ua) return '-';
  const product = /(Edg|Firefox|Chrome|Safari)\/(\d+)/.exec(ua.replace(/HeadlessChrome/, 'Chrome'));
  const os = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(ua)?.[1];
  if (!product) return ua.slice(0, 40);
  const name = product[1] === 'Edg' ? 'Edge' : product[1];
  return `${name} ${product[2]}${os ? ` (${os === 'Mac OS X' ? 'macOS' : os})` : ''}`;
}

function register(program: Command, io: CliIo): void {
  const dashboard = program
    .command('dashboard')
    .description('print a one-time sign-in link to the dashboard of the running cluster (through a tunnel: runs until Ctrl-C, keeping it open)')
    .option('-c, --config <file>', 'the cluster file (default: the built-in local cluster)')
    .option('--open', 'also open the link in the default browser')
    .action(async (options: DashboardOptions) => {
      await openDashboard(options, io);
    });
  dashboard
    .command('sessions')
    .description('list the signed-in dashboard sessions, or revoke one with --revoke ID')
    .option('-c, --config <file>', 'the cluster file (default: the built-in local cluster)')
    .option('--revoke <id>', 'sign out the browser of this session (its id, or the start of it)')
    .option('--json', 'print JSON')
    // `-c` may land on `dashboard` (it parses its options first), so read the parent's too.
    .action(async (_options: unknown, cmd: Command) => {
      await sessions(cmd.optsWithGlobals<{ config?: string; revoke?: string; json?: boolean }>(), io);
    });
}

export const dashboardCommand: CliCommandGroup = { name: 'dashboard', register };
