import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@iris/core';
import type { LoginCodes } from './login-codes.js';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie, sessionOf } from './session-cookie.js';
import type { SessionStore } from './sessions.js';
import type { StaticAsset } from './static-assets.js';

export const DASHBOARD_PATH = '/dashboard';

/** User agents of chat and mail link-preview fetchers, which must not use a one-time link up. */
const LINK_PREVIEW_AGENTS =
  /Slackbot|Slack-ImgProxy|Discordbot|TelegramBot|WhatsApp|Twitterbot|facebookexternalhit|LinkedInBot|SkypeUriPreview|Teams|Google-PageRenderer|Mattermost|redditbot|Embedly|bingbot|Googlebot/i;

/** The dashboard's own scripts and styles only; no inline code, no third-party origin. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface DashboardRoutesDeps {
  assets: ReadonlyMap<string, StaticAsset>;
  codes: LoginCodes;
  sessions: SessionStore;
  /** How long a session lives (the cookie's Max-Age). */
  sessionTtlMs: number;
  logger: Logger;
}

/**
 * `/`, `/favicon.ico` and `/dashboard/**`: the static dashboard (the same files for every visitor;
 * data comes from /api/v1 and needs a session), `/dashboard/login?code=…`, which trades a one-time
 * code for a session cookie and redirects (so the code never stays in the address bar or the
 * history), and `POST /dashboard/logout`.
 */
export class DashboardRoutes {
  constructor(private readonly deps: DashboardRoutesDeps) {}

  /** True when the request was a dashboard path and has been answered. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/favicon.ico') {
      this.asset(res, 'favicon.ico', method);
      return true;
    }
    if (path !== '/' && path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`)) return false;
    if (path === `${DASHBOARD_PATH}/logout`) {
      this.logout(req, res, method);
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'the dashboard only answers GET\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (path === '/' || path === DASHBOARD_PATH) {
      send(res, 302, 'text/plain; charset=utf-8', '', { location: `${DASHBOARD_PATH}/` });
      return true;
    }
    if (path === `${DASHBOARD_PATH}/login`) {
      this.login(req, res, url, method);
      return true;
    }
    this.asset(res, path === `${DASHBOARD_PATH}/` ? 'index.html' : path.slice(DASHBOARD_PATH.length + 1), method);
    return true;
  }

  private asset(res: ServerResponse, file: string, method: string): void {
    const asset = this.deps.assets.get(file);
    if (!asset) {
      send(res, 404, 'text/plain; charset=utf-8', `no dashboard file ${file}\n`);
      return;
    }
    send(res, 200, asset.contentType, method === 'HEAD' ? '' : asset.body, { 'cache-control': 'no-cache' }, asset.body.length);
  }

  private login(req: IncomingMessage, res: ServerResponse, url: URL, method: string): void {
    // Link previews (chat apps, mail scanners) send HEAD, or a GET that names itself a preview
    // bot: answer without using the code up, so the person the link was for can still sign in.
    const ua = req.headers['user-agent'];
    if (method === 'HEAD' || (typeof ua === 'string' && LINK_PREVIEW_AGENTS.test(ua))) {
      const body = method === 'HEAD' ? '' : page('Iris dashboard sign-in link', 'Open this link in your browser to sign in to the Iris dashboard.');
      send(res, 200, 'text/html; charset=utf-8', body, {}, method === 'HEAD' ? 0 : Buffer.byteLength(body));
      return;
    }
    const code = url.searchParams.get('code') ?? '';
    if (code === '' || !this.deps.codes.consume(code)) {
      // A browser already signed in (e.g. reopening a used link from its history) goes on to the dashboard.
      if (sessionOf(req.headers, this.deps.sessions)) {
        send(res, 303, 'text/plain; charset=utf-8', '', { location: `${DASHBOARD_PATH}/` });
        return;
      }
      // Neither the code nor any secret is logged.
      this.deps.logger.warn('dashboard sign-in refused: unknown, used or expired link');
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
    const { secret, info } = this.deps.sessions.create(typeof ua === 'string' ? ua : undefined);
    this.deps.logger.info('dashboard sign-in: session created', { session: info.id });
    send(res, 303, 'text/plain; charset=utf-8', '', { location: `${DASHBOARD_PATH}/`, 'set-cookie': sessionCookie(secret, this.deps.sessionTtlMs) });
  }

  private logout(req: IncomingMessage, res: ServerResponse, method: string): void {
    if (method !== 'POST') {
      send(res, 405, 'text/plain; charset=utf-8', 'sign out with POST (the dashboard\u2019s Sign out button)\n', { allow: 'POST' });
      return;
    }
    // SameSite=Strict already keeps other sites' forms from carrying the cookie; a request a browser
    // marks as cross-site, or with a foreign Origin, is refused too. (With Referrer-Policy no-referrer
    // a browser sends `Origin: null` for the page's own form, so "null" alone proves nothing.)
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if (
      (typeof site === 'string' && site !== 'same-origin' && site !== 'none') ||
      (origin !== undefined && origin !== 'null' && originHost(origin) !== req.headers.host)
    ) {
      send(res, 403, 'text/plain; charset=utf-8', 'sign-out refused: the request came from another site\n');
      return;
    }
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (secret) this.deps.sessions.end(secret);
    this.deps.logger.info('dashboard sign-out');
    send(res, 303, 'text/plain; charset=utf-8', '', { location: `${DASHBOARD_PATH}/#/signed-out`, 'set-cookie': clearedSessionCookie() });
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

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // "null" (a sandboxed page) or garbage: not this site
  }
}

function page(title: string, html: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><link rel="icon" href="/favicon.ico"><link rel="stylesheet" href="${DASHBOARD_PATH}/styles.css"></head><body><main class="signin"><h1>${title}</h1><p>${html}</p></main></body></html>\n`;
}
