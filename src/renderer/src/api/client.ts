/** The window's single client: one transport, the sync that keeps the replica current, and the actions features call. */
import { createTransport, type Transport } from './transport';
import { Sync } from '../state/sync';
import { createActions } from '../state/actions';

export const api: Transport = createTransport();
export const sync = new Sync(api);
/** Features call the contract only through these: each failure ends in the error banner. */
export const actions = createActions(api, sync);
