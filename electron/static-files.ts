// Serves the built renderer (dist/renderer) to both hosts: the browser host over HTTP and the
// desktop window over the app:// protocol. Paths never leave the folder; unknown routes of the
// single-page app get index.html, unknown files get nothing.
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.pdf': 'application/pdf',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The file a URL path names inside `root`, index.html for app routes, or null. */
export async function readStaticFile(root: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const base = resolve(root);
  const target = resolve(base, `.${decoded.endsWith('/') ? `${decoded}index.html` : decoded}`);
  const inside = relative(base, target);
  if (inside.startsWith('..') || isAbsolute(inside)) return null;
  let path = target;
  if (!(await isFile(path))) {
    // A route of the app (no file extension) is the app itself.
    if (extname(decoded) !== '') return null;
    path = join(base, 'index.html');
    if (!(await isFile(path))) return null;
  }
  const type = contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
  return { body: await readFile(path), contentType: type };
}
