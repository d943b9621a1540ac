/** The preload bridge: exposes exactly `invoke` and `subscribe` as window.holdfast, typed from the contract. */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BridgeApi, BridgeReply } from '../shared/contract';
import type { HoldfastEvent } from '../shared/sync';

const api: BridgeApi = {
  // The reply crosses contextBridge as a plain value: a thrown Error would arrive with its message only.
  async invoke(method, input) {
    try {
      return (await ipcRenderer.invoke('holdfast:invoke', method, input)) as BridgeReply;
    } catch (err) {
      // Only when the main process has no handler (still starting, or gone): say so as a reply, like any other failure.
      return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err), retryable: true } };
    }
  },
  subscribe(listener) {
    const handler = (_e: IpcRendererEvent, event: HoldfastEvent) => listener(event);
    ipcRenderer.on('holdfast:event', handler);
    ipcRenderer.send('holdfast:subscribe');
    return () => {
      ipcRenderer.removeListener('holdfast:event', handler);
    };
  },
};

contextBridge.exposeInMainWorld('holdfast', api);
