// The sandboxed preload: exposes `window.meterlab` (named functions only) to the isolated page.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('meterlab', createBridge(ipcRenderer));
