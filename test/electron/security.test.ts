import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  APP_URL,
  CONTENT_SECURITY_POLICY,
  appProtocolHandler,
  denyNavigation,
  denyNewWindows,
  denyPermissions,
  isTrustedSender,
  secureWebPreferences,
} from '../../electron/security';
import type { SessionLike, WebContentsLike } from '../../electron/security';

describe('Electron security checklist', () => {
  it('isolates and sandboxes the renderer, without Node, with web security on', () => {
    const preferences = secureWebPreferences('/app/dist/electron/preload.cjs');
    expect(preferences).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('has one strict CSP: own files only, no inline code, no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it('refuses every navigation, redirect and webview', () => {
    const listeners = new Map<string, (event: { preventDefault(): void }) => void>();
    const contents: WebContentsLike = {
      on: (name, listener) => listeners.set(name, listener),
      setWindowOpenHandler: () => undefined,
    };
    denyNavigation(contents);
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      listeners.get(name)!(event);
      expect(event.preventDefault, name).toHaveBeenCalledOnce();
    }
  });

  it('opens no new windows', () => {
    let handler: ((details: { url: string }) => { action: string }) | undefined;
    denyNewWindows({ on: () => undefined, setWindowOpenHandler: (h) => (handler = h) });
    expect(handler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(handler!({ url: APP_URL })).toEqual({ action: 'deny' });
  });

  it('denies every permission request and check', () => {
    let request: Parameters<SessionLike['setPermissionRequestHandler']>[0] | undefined;
    let check: Parameters<SessionLike['setPermissionCheckHandler']>[0] | undefined;
    denyPermissions({
      setPermissionRequestHandler: (h) => (request = h),
      setPermissionCheckHandler: (h) => (check = h),
    });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      const callback = vi.fn();
      request!({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(check!({}, permission)).toBe(false);
    }
  });

  it('trusts IPC only from frames of app://meterlab', () => {
    expect(isTrustedSender({ url: 'app://meterlab/' })).toBe(true);
    expect(isTrustedSender({ url: 'app://meterlab/index.html#/catalog' })).toBe(true);
    for (const url of [
      'app://evil/',
      'app://meterlab.evil/',
      'http://127.0.0.1:5173/',
      'https://meterlab/',
      'file:///home/user/index.html',
      'about:blank',
      'not a url',
      '',
    ]) {
      expect(isTrustedSender({ url }), url).toBe(false);
    }
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});

describe('app:// protocol handler', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meterlab-protocol-'));
    await mkdir(join(dir, 'renderer', 'assets'), { recursive: true });
    await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Meterlab</title>');
    await writeFile(join(dir, 'renderer', 'assets', 'app.css'), 'body{}');
    await writeFile(join(dir, 'secret.txt'), 'outside');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves the built renderer with the CSP and nosniff', async () => {
    const handle = appProtocolHandler(join(dir, 'renderer'));
    const index = await handle(new Request('app://meterlab/'));
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>Meterlab</title>');
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    const css = await handle(new Request('app://meterlab/assets/app.css'));
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('serves nothing outside its folder, for another host, or for other verbs', async () => {
    const handle = appProtocolHandler(join(dir, 'renderer'));
    for (const url of [
      'app://meterlab/../secret.txt',
      'app://meterlab/%2e%2e/secret.txt',
      'app://other/index.html',
    ]) {
      const response = await handle(new Request(url));
      expect(await response.text(), url).not.toContain('outside');
    }
    expect((await handle(new Request('app://other/'))).status).toBe(404);
    expect(
      (await handle(new Request('app://meterlab/', { method: 'POST', body: 'x' }))).status,
    ).toBe(404);
  });
});
