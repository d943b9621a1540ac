/** A small indicator: connected to Holdfast or not, and whether the provider is reachable. */
import { useHoldfast } from '../state/store';
import { modelLabel } from '../../../shared/model';

export function ConnectionStatus() {
  const connection = useHoldfast((s) => s.connection);
  const status = useHoldfast((s) => s.status);
  const offline = status?.network === 'offline';
  const waiting = (status?.queued_message_ids.length ?? 0) + (status?.waiting_message_ids.length ?? 0);
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
            ? `Offline — ${waiting} answer${waiting === 1 ? '' : 's'} waiting`
            : 'Connected';
  return (
    <div
      className="connection-status"
      data-testid="connection-status"
      data-state={connection}
      data-network={status?.network ?? 'unknown'}
      data-storage={storage?.damaged ? 'damaged' : storage?.disk_full ? 'disk_full' : 'ok'}
      role="status"
    >
      <span className={`dot ${connection === 'connected' && !offline && !storage?.disk_full && !storage?.damaged ? 'ok' : 'bad'}`} />
      {label}
      {status && (
        <span className="model-label" data-testid="model-label">
          {modelLabel(status.model)}
        </span>
      )}
    </div>
  );
}
