/** One handler per contract method; the compiler refuses a contract method without one. */
import type { Contract } from '../../shared/contract';
import type { HandlersFor } from '../../shared/rpc';
import type { Core } from './core';
import type { Caller } from './sync/hub';
import { conflict, HoldfastError } from '../../shared/errors';
import { PRESETS } from '../../shared/providers';
import { OpenAICompatibleProvider } from './providers/openai-compatible';

export const handlers: HandlersFor<Contract, Core, Caller> = {
  // A new conversation keeps the provider it was made with: changing the default later does not move it.
  'conversations.create': (input, core) =>
    core.conversations.create({ ...input, provider_id: knownProvider(core, input.provider_id) ?? core.providers.defaultId() }),
  'conversations.list': (input, core) => core.conversations.list(input.trashed ?? false),
  'conversations.page': (input, core) => core.conversations.page(input.limit, input.cursor),
  'conversations.get': (input, core) => core.store.conversation(input.id),
  'conversations.update': ({ id, ...patch }, core) => {
    if (patch.provider_id) knownProvider(core, patch.provider_id);
    // Another provider without a model named: its default model answers, never the old provider's model name.
    const moved = patch.provider_id !== undefined && patch.provider_id !== core.store.conversation(id).provider_id;
    return core.conversations.update(id, moved && patch.model === undefined ? { ...patch, model: null } : patch);
  },
  'conversations.trash': (input, core) => core.conversations.trash(input.id),
  'conversations.restore': (input, core) => core.conversations.restore(input.id),
  'conversations.emptyTrash': (_input, core) => core.emptyTrash(),
  'conversations.setLeaf': (input, core) => core.conversations.setLeaf(input.conversation_id, input.message_id),
  'messages.send': (input, core) => core.engine.send(input),
  'messages.stop': (input, core) => core.engine.stop(input.message_id),
  'messages.retry': (input, core) => core.engine.retry(input.message_id),
  'messages.continue': (input, core) => core.engine.continueAnswer(input.message_id),
  'messages.regenerate': (input, core) => core.engine.regenerate(input.message_id),
  'messages.edit': (input, core) => core.engine.edit(input.message_id, input.content, input.attachments),
  'messages.react': (input, core) => core.conversations.react(input.message_id, input.value, input.comment),
  'messages.thread': (input, core) => core.conversations.thread(input.conversation_id, input.tail),
  'messages.tree': (input, core) => core.conversations.tree(input.conversation_id),
  'messages.status': (input, core) => core.conversations.status(input.conversation_id),
  'sync.pull': (input, core) => core.sync.pull(input.since),
  'sync.watch': (input, core, caller) => core.sync.watch(caller.subscription, input.conversation_ids, input.since),
  'app.status': (_input, core) => core.sync.status(),
  'settings.get': (_input, core) => core.settingsView(),
  'settings.set': (input, core) => core.applySettings(input),
  'search.query': (input, core) => ({ results: core.search.search(input.q, input.limit ?? 20) }),
  'exchange.export': (input, core) => core.exchange.exportConversation(input.conversation_id, input.format),
  'exchange.importText': (input, core) => core.exchange.importText(input.text),
  'attachments.add': (input, core) => core.attachments.add({ name: input.name, mime: input.mime, data: base64(input.data) }),
  'attachments.get': (input, core) => {
    const { info, data } = core.attachments.read(input.id);
    return { id: info.id, name: info.name, mime: info.mime, size: info.size, sha256: info.sha256, data: data.toString('base64') };
  },
  'providers.list': (_input, core) => ({
    providers: core.providers.list(),
    presets: [...PRESETS],
    key_storage: core.providers.keyStorage(),
  }),
  'providers.create': (input, core) => {
    const created = core.providers.create(input);
    // Its model list is read at once when the endpoint answers (and kept for offline use); typed-in models stay otherwise.
    if (created.kind === 'openai-compatible' && !input.models) void refreshModels(core, created.id).catch(() => undefined);
    return created;
  },
  'providers.update': (input, core) => core.providers.update(input),
  'providers.delete': (input, core) => deleteProvider(core, input.id, input.move_to),
  'providers.refreshModels': (input, core) => refreshModels(core, input.id),
  'backup.create': async (_input, core) => ({ path: await core.backups.backupNow('manual') }),
};

/** Strict base64: a lenient decoder would turn a mistyped payload into a different file without a word. */
function base64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
    throw new HoldfastError('invalid_input', 'data must be the file in base64');
  return Buffer.from(text, 'base64');
}

/** Removes a configured provider: refused (409) while a conversation uses it, unless it names the one to move them to. */
function deleteProvider(core: Core, id: string, moveTo: string | undefined): { deleted: boolean; moved_conversations: number } {
  core.providers.get(id);
  if (moveTo !== undefined && (moveTo === id || !core.providers.has(moveTo)))
    throw new HoldfastError('invalid_input', `move_to must name another provider (${moveTo} is not one)`);
  const using = core.store.conversationsUsingProvider(id);
  if (using.length && moveTo === undefined)
    throw conflict('provider_in_use', `${using.length} conversation(s) use this provider: name another one in move_to to move them there`, {
      conversations: using.length,
    });
  core.store.mutate(() => {
    for (const conversationId of using) core.store.updateConversation(conversationId, { provider_id: moveTo ?? null }, false);
  });
  core.providers.remove(id);
  return { deleted: true, moved_conversations: using.length };
}

/** Reads the endpoint's model list now and keeps it for offline use: the Settings page's connection test. */
async function refreshModels(core: Core, id: string): Promise<{ ok: boolean; models: string[]; error: string | null }> {
  const info = core.providers.get(id);
  const route = core.providers.route(id);
  const provider = route.provider;
  if (!(provider instanceof OpenAICompatibleProvider)) {
    const ok = await provider.probe(AbortSignal.timeout(5000));
    return { ok, models: info.models, error: ok ? null : 'The endpoint did not answer' };
  }
  try {
    const models = await provider.models(AbortSignal.timeout(15_000));
    core.providers.keepModels(id, models);
    route.network.reportSuccess();
    return { ok: true, models, error: null };
  } catch (err) {
    return { ok: false, models: info.models, error: err instanceof Error ? err.message : String(err) };
  }
}

function knownProvider(core: Core, id: string | undefined): string | undefined {
  if (id !== undefined && !core.providers.has(id)) throw new HoldfastError('not_found', `No provider with id ${id}`);
  return id;
}
