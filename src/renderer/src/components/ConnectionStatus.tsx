/**
 * A small indicator: connected to Holdfast or not, and whether the provider of the conversation in view is reachable
 * (each provider's state in its tooltip).
 */
import { useShallow } from 'zustand/react/shallow';
import { useHoldfast, type HoldfastState } from '../state/store';
import { DEMO_MODEL, modelLabel, type Conversation } from '../../../shared/model';
import type { AppStatus } from '../../../shared/sync';

/** The provider whose reachability the bar shows: the viewed conversation's, else the default (also for a removed one). */
export function shownProvider(
  status: AppStatus | null,
  conversation: Conversation | null,
): NonNullable<AppStatus['providers']>[number] | null {
  const providers = status?.providers ?? [];
  const own = conversation?.provider_id ? providers.find((p) => p.id === conversation.provider_id) : undefined;
  return own ?? providers.find((p) => p.id === status?.default_provider_id) ?? null;
}

/**
 * The model the bar names: the conversation's own, else its provider's default as far as the status knows it. A
 * conversation on the demo is said to be one ("Demo (offline)"), since the bar shows no provider name for the demo.
 */
export function shownModel(
  status: AppStatus | null,
  conversation: Conversation | null,
  provider: ReturnType<typeof shownProvider>,
): string {
  if (conversation?.model) return modelLabel(conversation.model);
  if (provider?.id === 'demo') return modelLabel(DEMO_MODEL);
  return modelLabel(provider && provider.id !== status?.default_provider_id ? null : status?.model);
}

/**
 * "Offline — N answers waiting": N counts the answers the shown provider will write, so a conversation on a
 * reachable provider is never told of another's queue; answers waiting for other providers are named apart. A host
 * that does not count by provider: all of them.
 */
export function waitingLabel(status: AppStatus | null, provider: ReturnType<typeof shownProvider>): string {
  const total = (status?.queued_message_ids.length ?? 0) + (status?.waiting_message_ids.length ?? 0);
  const byProvider = status?.waiting_by_provider;
  const here = byProvider && provider ? (byProvider[provider.id] ?? 0) : total;
  const elsewhere = Math.max(0, total - here);
  const answers = (n: number) => `${n} answer${n === 1 ? '' : 's'}`;
  return `Offline — ${answers(here)} waiting${elsewhere ? ` (${answers(elsewhere)} for other providers)` : ''}`;
}

/** What the bar shows, as plain values: a status update that changes none of them (an answer starting elsewhere) renders nothing. */
function barOf(s: HoldfastState) {
  const { connection, status } = s;
  const conversation = s.currentId ? (s.conversations[s.currentId] ?? null) : null;
  const provider = shownProvider(status, conversation);
  const network = provider?.network ?? status?.network;
  const offline = network === 'offline';
  const storage = status?.storage;
  const label =
    connection === 'connected' && storage?.damaged
      ? 'Database damaged — writes stopped; restart Holdfast to restore the latest backup'
      : connection === 'connected' && storage?.disk_full
        ? 'Disk full — what arrives is kept in memory and saved when there is space'
        : connection !== 'connected'
          ? connection === 'connecting'
            ? 'Connecting…'
            : 'Disconnected — reconnecting…'
          : offline
            ? waitingLabel(status, provider)
            : 'Connected';
  return {
    connection,
    network,
    offline,
    label,
    providerId: provider?.id,
    providerName: provider?.name,
    providerNetwork: provider?.network,
    title: status?.providers?.map((p) => `${p.name}: ${p.network === 'online' ? 'reachable' : 'unreachable'}`).join('\n'),
    damaged: Boolean(storage?.damaged),
    diskFull: Boolean(storage?.disk_full),
    model: status ? shownModel(status, conversation, provider) : null,
  };
}

export function ConnectionStatus() {
  const { connection, network, offline, label, providerId, providerName, providerNetwork, title, damaged, diskFull, model } = useHoldfast(
    useShallow(barOf),
  );
  return (
    <div
      className="connection-status"
      data-testid="connection-status"
      data-state={connection}
      data-network={network ?? 'unknown'}
      data-provider-id={providerId}
      title={title}
      data-storage={damaged ? 'damaged' : diskFull ? 'disk_full' : 'ok'}
      role="status"
    >
      <span className={`dot ${connection === 'connected' && !offline && !diskFull && !damaged ? 'ok' : 'bad'}`} />
      {label}
      {/* The demo's model label already says "Demo (offline)". */}
      {providerId && providerId !== 'demo' && (
        <span className="status-provider" data-testid="status-provider" data-provider-id={providerId} data-network={providerNetwork}>
          {providerName}
          {offline ? ' unreachable' : ''}
        </span>
      )}
      {model !== null && (
        <span className="model-label" data-testid="model-label">
          {model}
        </span>
      )}
    </div>
  );
}
