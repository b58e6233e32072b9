// Electron's security checklist, one small function per rule, each taking the Electron objects it
// configures so a test can check it with a fake. main.ts applies them all.
import { createHash } from 'node:crypto';
import { readStaticFile } from './static-files';

/** The one Content-Security-Policy of both hosts: only the app's own files, no inline code. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response of either host carries. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * The headers of an invoice print page (the engine's HTML, with its styles inline): those exact
 * styles, by hash, and nothing else: no script, no request, no form, no frame.
 */
export function printPageHeaders(html: string): Record<string, string> {
  const styles = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map(
    ([, css]) => `'sha256-${createHash('sha256').update(css!, 'utf8').digest('base64')}'`,
  );
  const policy = [
    "default-src 'none'",
    `style-src ${styles.length ? styles.join(' ') : "'none'"}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { ...SECURITY_HEADERS, 'Content-Security-Policy': policy };
}

/** The desktop app is served from app://meterlab/, never file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'meterlab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/`;

/** Registered before the app is ready, so app:// behaves like https (origin, fetch, storage). */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

/** The renderer: isolated, sandboxed, no Node, web security on, only our preload. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

interface PreventableEvent {
  preventDefault(): void;
}

export interface WebContentsLike {
  on(
    event: 'will-navigate' | 'will-redirect' | 'will-attach-webview',
    listener: (event: PreventableEvent) => void,
  ): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** The app is one page: every navigation, redirect and <webview> is refused. */
export function denyNavigation(contents: WebContentsLike): void {
  for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview'] as const) {
    contents.on(name, (event) => event.preventDefault());
  }
}

/** window.open and target=_blank open nothing. */
export function denyNewWindows(contents: WebContentsLike): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export interface SessionLike {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
}

/** Meterlab needs no camera, location, notifications, ...: every request is denied. */
export function denyPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Only the app's own page may call the main process. */
export function isTrustedSender(frame: { url: string } | null | undefined): boolean {
  if (!frame) return false;
  try {
    // Compared by parts: URL gives custom schemes an opaque origin ("null").
    const url = new URL(frame.url);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The app:// protocol handler: the built renderer, with the CSP, nothing outside its folder. */
export function appProtocolHandler(staticDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const file =
      url.host === APP_HOST && request.method === 'GET'
        ? await readStaticFile(staticDir, url.pathname)
        : null;
    if (!file) return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    return new Response(new Uint8Array(file.body), {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'Content-Type': file.contentType },
    });
  };
}
