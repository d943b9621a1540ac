/** The preload bridge: exposes exactly `invoke` and `subscribe` as window.holdfast, typed from the contract. */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { HoldfastApi } from '../shared/contract';
import type { HoldfastEvent } from '../shared/sync';
import type { ErrorShape } from '../shared/errors';

type Reply = { ok: true; result: unknown } | { ok: false; error: ErrorShape };

const api: HoldfastApi = {
  async invoke(method, input) {
    const reply = (await ipcRenderer.invoke('holdfast:invoke', method, input)) as Reply;
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), reply.error);
    return reply.result as never;
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
