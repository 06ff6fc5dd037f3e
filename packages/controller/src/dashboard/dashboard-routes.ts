import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@iris/core';
import type { LoginCodes } from './login-codes.js';
import type { StaticAsset } from './static-assets.js';

export const DASHBOARD_PATH = '/dashboard';
export const SESSION_COOKIE = 'iris_token';

/** The dashboard's own scripts and styles only; no inline code, no third-party origin. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface DashboardRoutesDeps {
  assets: ReadonlyMap<string, StaticAsset>;
  codes: LoginCodes;
  token: string;
  logger: Logger;
}

/**
 * `/` and `/dashboard/**`: the static dashboard (the same files for every visitor; data comes from
 * /api/v1 and needs the cookie) and `/dashboard/login?code=…`, which trades a one-time code for the
 * HttpOnly cookie and redirects, so the code never stays in the address bar or the history.
 */
export class DashboardRoutes {
  constructor(private readonly deps: DashboardRoutesDeps) {}

  /** True when the request was a dashboard path and has been answered. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const path = url.pathname;
    if (path !== '/' && path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`)) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'the dashboard only answers GET\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (path === '/' || path === DASHBOARD_PATH) {
      send(res, 302, 'text/plain; charset=utf-8', '', { location: `${DASHBOARD_PATH}/` });
      return true;
    }
    if (path === `${DASHBOARD_PATH}/login`) {
      this.login(url, res);
      return true;
    }
    const file = path === `${DASHBOARD_PATH}/` ? 'index.html' : path.slice(DASHBOARD_PATH.length + 1);
    const asset = this.deps.assets.get(file);
    if (!asset) {
      send(res, 404, 'text/plain; charset=utf-8', `no dashboard file ${file}\n`);
      return true;
    }
    send(res, 200, asset.contentType, method === 'HEAD' ? '' : asset.body, { 'cache-control': 'no-cache' }, asset.body.length);
    return true;
  }

  private login(url: URL, res: ServerResponse): void {
    const code = url.searchParams.get('code') ?? '';
    if (code === '' || !this.deps.codes.consume(code)) {
      // Neither the code nor the token is logged: both are secrets.
      this.deps.logger.warn('dashboard login refused: unknown, used or expired code');
      send(
        res,
        401,
        'text/html; charset=utf-8',
        page(
          'Sign-in link not valid',
          'This sign-in link is unknown, already used or expired (links work once, for a short time). Run <code>iris dashboard -c CLUSTER_FILE</code> again and open the new link.',
        ),
      );
      return;
    }
    this.deps.logger.info('dashboard login');
    send(res, 303, 'text/plain; charset=utf-8', '', {
      location: `${DASHBOARD_PATH}/`,
      'set-cookie': `${SESSION_COOKIE}=${this.deps.token}; HttpOnly; SameSite=Strict; Path=/`,
    });
  }
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  length = Buffer.byteLength(body),
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'content-length': length, 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function page(title: string, html: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><link rel="stylesheet" href="${DASHBOARD_PATH}/styles.css"></head><body><main class="signin"><h1>${title}</h1><p>${html}</p></main></body></html>\n`;
}
