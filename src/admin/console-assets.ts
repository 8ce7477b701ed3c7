import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

/** The built console (`npm run build` writes it): dist/console beside dist/src. */
const BUILT = fileURLToPath(new URL('../../console/', import.meta.url));

const FILES = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/console.js', file: 'console.js', type: 'text/javascript; charset=utf-8' },
  { path: '/console.css', file: 'console.css', type: 'text/css; charset=utf-8' },
] as const;

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Toolgate console</title>
<p>The console's files were not found. In a checkout, run <code>npm run build</code>; an installed package ships them.</p>`;

/**
 * The console's files, read once at start and served from memory: three files, no CDN, nothing fetched from
 * anywhere else. Revalidated by ETag, so a new version reaches browsers on the next load.
 */
export function consoleAssets(folder: string = BUILT): Hono {
  const app = new Hono();
  for (const { path, file, type } of FILES) {
    let body: string;
    try {
      body = readFileSync(`${folder}${file}`, 'utf8');
    } catch {
      if (path !== '/') continue;
      body = NOT_BUILT;
    }
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    app.get(path, (c) => {
      if (c.req.header('if-none-match') === etag) return c.body(null, 304);
      return c.body(body, 200, { 'content-type': type, etag, 'cache-control': 'no-cache' });
    });
  }
  return app;
}
