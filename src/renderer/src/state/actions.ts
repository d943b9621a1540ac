/** What a person can do; each action is a contract call, and the replica follows from the events it causes. */
import { api, sync } from '../api/client';
import { RpcError } from '../api/transport';
import type { Reaction } from '../../../shared/model';
import { useHoldfast } from './store';

function report(err: unknown): never {
  const message = err instanceof RpcError ? err.shape.message : err instanceof Error ? err.message : String(err);
  useHoldfast.setState({ error: message });
  throw err;
}

export async function selectConversation(id: string | null, focusMessageId: string | null = null): Promise<void> {
  useHoldfast.setState({ currentId: id, focusMessageId });
  location.hash = id ? `#/c/${id}` : '';
  if (!id) return;
  // Never opened here: the thread's last messages first, so a long conversation paints at once.
  if (!useHoldfast.getState().trees[id]) {
    await sync.loadTail(id).catch(report);
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))); // let it paint first
  }
  // A complete tree is kept current by events (and by the pull after any reconnect): shown from memory, no refetch.
  if (!useHoldfast.getState().trees[id]?.complete) await sync.loadTree(id).catch(report);
}

export async function newConversation(): Promise<string> {
  const c = await api.invoke('conversations.create', {}).catch(report);
  useHoldfast.setState((s) => ({ conversations: { ...s.conversations, [c.id]: c } }));
  await selectConversation(c.id);
  return c.id;
}

export async function send(content: string): Promise<void> {
  let id = useHoldfast.getState().currentId;
  if (!id) id = await newConversation();
  await api.invoke('messages.send', { conversation_id: id, content }).catch(report);
  if (!useHoldfast.getState().trees[id]) await sync.loadTree(id);
}

export const stop = (messageId: string) => api.invoke('messages.stop', { message_id: messageId }).catch(report);
export const retry = (messageId: string) => api.invoke('messages.retry', { message_id: messageId }).catch(report);
export const continueAnswer = (messageId: string) => api.invoke('messages.continue', { message_id: messageId }).catch(report);
export const regenerate = (messageId: string) => api.invoke('messages.regenerate', { message_id: messageId }).catch(report);
export const edit = (messageId: string, content: string) => api.invoke('messages.edit', { message_id: messageId, content }).catch(report);
export const react = (messageId: string, value: Reaction | null, comment?: string | null) =>
  api.invoke('messages.react', { message_id: messageId, value, comment: comment ?? null }).catch(report);
export const switchBranch = (conversationId: string, messageId: string) =>
  api.invoke('conversations.setLeaf', { conversation_id: conversationId, message_id: messageId }).catch(report);
export const renameConversation = (id: string, title: string) => api.invoke('conversations.update', { id, title }).catch(report);
export const trashConversation = (id: string) => api.invoke('conversations.trash', { id }).catch(report);
