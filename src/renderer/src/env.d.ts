/// <reference types="vite/client" />
import type { BridgeApi } from '../../shared/contract';

declare global {
  interface Window {
    /** Present in Electron (the preload bridge); absent in a browser on the headless host. */
    holdfast?: BridgeApi;
  }
}
export {};
