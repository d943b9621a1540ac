/// <reference types="vite/client" />
import type { HoldfastApi } from '../../shared/contract';

declare global {
  interface Window {
    /** Present in Electron (the preload bridge); absent in a browser on the headless host. */
    holdfast?: HoldfastApi;
  }
}
export {};
