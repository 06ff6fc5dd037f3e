import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard's files ship in the package (assets/dashboard), beside both src/ and dist/. */
export const DASHBOARD_ASSETS_DIR = fileURLToPath(new URL('../../assets/dashboard/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface StaticAsset {
  body: Buffer;
  contentType: string;
}

/**
 * Every file of the dashboard, read once at start. Serving from this map (not from the disk by
 * the request's path) means no request path can reach a file outside the folder.
 */
export function loadAssets(dir: string = DASHBOARD_ASSETS_DIR): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  if (!existsSync(dir)) return assets;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const type = CONTENT_TYPES[extname(entry)];
        if (type) assets.set(relative(dir, full).split(sep).join('/'), { body: readFileSync(full), contentType: type });
      }
    }
  };
  walk(dir);
  return assets;
}
