/** Conversation and tree operations that need no generation: threads, trees, the current leaf, reactions, trash. */
import { HoldfastError } from '../../shared/errors';
import type { Conversation, Message, Reaction } from '../../shared/model';
import type { SessionStatus, Thread } from '../../shared/messages';
import type { ConversationPage } from '../../shared/conversations';
import type { Store } from './store/store';
import type { SyncHub } from './sync/hub';
import { indexTree, latestLeaf, latestLeafUnder, siblingIds, threadTo } from '../../shared/tree';

export class Conversations {
  constructor(
    private readonly store: Store,
    private readonly sync: SyncHub,
  ) {}

  create(input: { title?: string; model?: string; provider_id?: string; system_prompt?: string }): Conversation {
    return this.store.mutate(() =>
      this.store.insertConversation({
        title: input.title ?? '',
        model: input.model ?? null,
        provider_id: input.provider_id ?? null,
        system_prompt: input.system_prompt ?? null,
      }),
    );
  }

  list(trashed = false): Conversation[] {
    return this.store.listConversations(trashed);
  }

  /** One page of the list, pinned first, newest activity first. */
  page(limit = 100, cursor?: string): ConversationPage {
    return this.store.pageConversations(limit, cursor);
  }

  update(
    id: string,
    patch: Partial<
      Pick<Conversation, 'title' | 'system_prompt' | 'model' | 'provider_id' | 'max_tokens' | 'temperature' | 'pinned' | 'thinking'>
    >,
  ): Conversation {
    const before = this.store.conversation(id);
    const thinking = patch.thinking === undefined ? before.thinking : patch.thinking;
    const maxTokens = patch.max_tokens === undefined ? before.max_tokens : patch.max_tokens;
    if (thinking?.type === 'enabled' && maxTokens != null && thinking.budget_tokens >= maxTokens)
      throw new HoldfastError(
        'invalid_input',
        `The thinking budget (${thinking.budget_tokens} tokens) must be below max_tokens (${maxTokens}): raise max_tokens or lower the budget`,
      );
    this.store.mutate(() => this.store.updateConversation(id, patch, false));
    return this.store.conversation(id);
  }

  trash(id: string): Conversation {
    this.store.conversation(id);
    this.store.mutate(() => this.store.updateConversation(id, { deleted_at: this.store.now() }, false));
    return this.store.conversation(id);
  }

  restore(id: string): Conversation {
    this.store.conversation(id);
    this.store.mutate(() => this.store.updateConversation(id, { deleted_at: null }, false));
    return this.store.conversation(id);
  }

  /** The current thread, root first, each message with its siblings; streaming text is live. */
  thread(conversationId: string, tail?: number): Thread {
    if (tail) return this.threadTail(conversationId, tail);
    const conversation = this.store.conversation(conversationId);
    const tree = indexTree(this.messages(conversationId));
    const leaf =
      conversation.current_leaf_id && tree.byId.has(conversation.current_leaf_id) ? conversation.current_leaf_id : latestLeaf(tree);
    const path = threadTo(tree, leaf);
    return { conversation, messages: (tail ? path.slice(-tail) : path).map((m) => ({ ...m, sibling_ids: siblingIds(tree, m) })) };
  }

  /** The conversation's live answer, read from memory (scripts poll this, so no full-thread read). */
  status(conversationId: string): SessionStatus {
    const conversation = this.store.conversation(conversationId);
    const activeId = this.store.busyIn(conversationId)[0];
    const live = activeId ? this.sync.message(activeId) : undefined;
    return {
      has_active_generation: Boolean(live),
      generating_message_id: live?.id ?? null,
      status: live?.status ?? null,
      last_updated: live?.last_updated ?? conversation.updated_at,
      partial_content: live?.content ?? null,
    };
  }

  /**
   * The last `tail` messages of the current thread, reading the text of those only: a window opening a long conversation
   * paints from this, so its cost must not grow with the conversation's length of text (the tree's shape is small).
   */
  private threadTail(conversationId: string, tail: number): Thread {
    const conversation = this.store.conversation(conversationId);
    // The tree functions read only id, parent_id, created_at and last_updated: the shape stands in for whole messages.
    const tree = indexTree(this.store.shapeOf(conversationId) as unknown as Message[]);
    const leaf =
      conversation.current_leaf_id && tree.byId.has(conversation.current_leaf_id) ? conversation.current_leaf_id : latestLeaf(tree);
    const messages = threadTo(tree, leaf)
      .slice(-tail)
      .map((shape) => ({ ...(this.sync.message(shape.id) ?? this.store.message(shape.id)), sibling_ids: siblingIds(tree, shape) }));
    return { conversation, messages };
  }

  tree(conversationId: string): { current_leaf_id: string | null; messages: Message[] } {
    const conversation = this.store.conversation(conversationId);
    return { current_leaf_id: conversation.current_leaf_id, messages: this.messages(conversationId) };
  }

  /** Makes the thread run through `messageId`, down to the most recently active leaf below it. */
  setLeaf(conversationId: string, messageId: string): Conversation {
    const tree = indexTree(this.store.messagesOf(conversationId));
    if (!tree.byId.has(messageId)) throw new HoldfastError('not_found', `No message ${messageId} in conversation ${conversationId}`);
    const leaf = latestLeafUnder(tree, messageId);
    this.store.mutate(() => this.store.updateConversation(conversationId, { current_leaf_id: leaf }, false));
    return this.store.conversation(conversationId);
  }

  react(messageId: string, value: Reaction | null, comment: string | null | undefined): Message {
    const m = this.store.message(messageId);
    if (m.role !== 'assistant') throw new HoldfastError('invalid_input', 'Only an assistant message takes a reaction');
    this.store.mutate(() => this.store.updateMessage(messageId, { reaction: value, reaction_comment: value ? (comment ?? null) : null }));
    return this.store.message(messageId);
  }

  private messages(conversationId: string): Message[] {
    return this.store.messagesOf(conversationId).map((m) => (m.status === 'generating' ? (this.sync.message(m.id) ?? m) : m));
  }
}
