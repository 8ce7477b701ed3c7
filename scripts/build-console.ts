/**
 * Builds the web console into dist/console/ (index.html, console.js, console.css): one esbuild bundle of
 * console/src, minified, with no request to anything but the gateway. Part of `npm run build`, so the package
 * ships the console and nothing is fetched at run time.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const out = path.resolve('dist/console');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['console/src/main.tsx'],
  outfile: path.join(out, 'console.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync('console/index.html', path.join(out, 'index.html'));
copyFileSync('console/console.css', path.join(out, 'console.css'));
