/** One handler per contract method; the compiler refuses a contract method without one. */
import type { Contract } from '../../shared/contract';
import type { HandlersFor } from '../../shared/rpc';
import type { Core } from './core';

export const handlers: HandlersFor<Contract, Core> = {
  'conversations.create': (input, core) => core.conversations.create(input),
  'conversations.list': (input, core) => core.conversations.list(input.trashed ?? false),
  'conversations.get': (input, core) => core.store.conversation(input.id),
  'conversations.update': ({ id, ...patch }, core) => core.conversations.update(id, patch),
  'conversations.trash': (input, core) => core.conversations.trash(input.id),
  'conversations.restore': (input, core) => core.conversations.restore(input.id),
  'conversations.emptyTrash': (_input, core) => core.emptyTrash(),
  'conversations.setLeaf': (input, core) => core.conversations.setLeaf(input.conversation_id, input.message_id),
  'messages.send': (input, core) => core.engine.send(input),
  'messages.stop': (input, core) => core.engine.stop(input.message_id),
  'messages.retry': (input, core) => core.engine.retry(input.message_id),
  'messages.continue': (input, core) => core.engine.continueAnswer(input.message_id),
  'messages.regenerate': (input, core) => core.engine.regenerate(input.message_id),
  'messages.edit': (input, core) => core.engine.edit(input.message_id, input.content),
  'messages.react': (input, core) => core.conversations.react(input.message_id, input.value, input.comment),
  'messages.thread': (input, core) => core.conversations.thread(input.conversation_id, input.tail),
  'messages.tree': (input, core) => core.conversations.tree(input.conversation_id),
  'messages.status': (input, core) => core.conversations.status(input.conversation_id),
  'sync.pull': (input, core) => core.sync.pull(input.since),
  'app.status': (_input, core) => core.sync.status(),
  'settings.get': (_input, core) => core.settings.get(),
  'settings.set': (input, core) => core.applySettings(input),
  'search.query': (input, core) => ({ results: core.search.search(input.q, input.limit ?? 20) }),
  'exchange.export': (input, core) => core.exchange.exportConversation(input.conversation_id, input.format),
  'exchange.importText': (input, core) => core.exchange.importText(input.text),
  'backup.create': async (_input, core) => ({ path: await core.backups.backupNow('manual') }),
};
