/** The window's single client: one transport and the sync that keeps the replica current. */
import { createTransport, type Transport } from './transport';
import { Sync } from '../state/sync';

export const api: Transport = createTransport();
export const sync = new Sync(api);
