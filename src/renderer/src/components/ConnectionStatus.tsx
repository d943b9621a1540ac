/** A small indicator: connected to Holdfast or not, and whether the provider is reachable. */
import { useHoldfast } from '../state/store';
import { modelLabel } from '../../../shared/model';

export function ConnectionStatus() {
  const connection = useHoldfast((s) => s.connection);
  const status = useHoldfast((s) => s.status);
  const offline = status?.network === 'offline';
  const waiting = (status?.queued_message_ids.length ?? 0) + (status?.waiting_message_ids.length ?? 0);
  const label =
    connection !== 'connected'
      ? connection === 'connecting'
        ? 'Connecting…'
        : 'Disconnected — reconnecting…'
      : offline
        ? `Offline — ${waiting} answer${waiting === 1 ? '' : 's'} waiting`
        : 'Connected';
  return (
    <div
      className="connection-status"
      data-testid="connection-status"
      data-state={connection}
      data-network={status?.network ?? 'unknown'}
      role="status"
    >
      <span className={`dot ${connection === 'connected' && !offline ? 'ok' : 'bad'}`} />
      {label}
      {status && (
        <span className="model-label" data-testid="model-label">
          {modelLabel(status.model)}
        </span>
      )}
    </div>
  );
}
