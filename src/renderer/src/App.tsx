/** The window: conversation list, thread, composer, connection indicator, settings. */
import { useEffect, useState } from 'react';
import { useHoldfast } from './state/store';
import { actions } from './api/client';
import { dismissFailure } from './state/actions';
import { Sidebar } from './features/Sidebar';
import { ThreadStack } from './features/ThreadStack';
import { Composer } from './features/Composer';
import { Settings } from './features/Settings';
import { ConversationHeader } from './features/ConversationHeader';
import { SearchDialog } from './features/SearchDialog';
import { ConnectionStatus } from './components/ConnectionStatus';

export function App() {
  const currentId = useHoldfast((s) => s.currentId);
  const conversation = useHoldfast((s) => (s.currentId ? s.conversations[s.currentId] : undefined));
  const error = useHoldfast((s) => s.error);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [searchOpen, setSearchOpen] = useState(false);
  const notice = useHoldfast((s) => s.notice);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSearchOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => actions.leaveWhenTrashed(), []);

  useEffect(() => {
    const fromHash = () => void actions.followAddress(location.hash);
    fromHash();
    window.addEventListener('hashchange', fromHash);
    return () => window.removeEventListener('hashchange', fromHash);
  }, []);

  return (
    <div className="app">
      <Sidebar />
      <main className="main">
        <header className="topbar">
          {conversation ? <ConversationHeader conversation={conversation} /> : <h1 className="conversation-title">Holdfast</h1>}
          <button type="button" data-testid="search-button" title="Search (Ctrl/Cmd+K)" onClick={() => setSearchOpen(true)}>
            Search
          </button>
          <ConnectionStatus />
          <button
            type="button"
            className="settings-button"
            data-testid="settings-button"
            onClick={() => setSettingsOpen(true)}
            aria-label="Settings"
          >
            ⚙
          </button>
        </header>
        {notice && (
          <div className="banner notice" role="status" data-testid="notice">
            {notice}{' '}
            <button type="button" onClick={() => useHoldfast.setState({ notice: null })}>
              Dismiss
            </button>
          </div>
        )}
        {currentId ? (
          <ThreadStack currentId={currentId} />
        ) : (
          <div className="thread empty">Start a new conversation, or pick one on the left.</div>
        )}
        <Composer />
      </main>
      {settingsOpen && <Settings onClose={() => setSettingsOpen(false)} />}
      {searchOpen && <SearchDialog onClose={() => setSearchOpen(false)} />}
      {error && (
        // Above every dialog: a failure inside one is shown while it stays open.
        <div className="banner error-banner" role="alert" data-testid="error-banner" data-code={error.code}>
          <span>
            <strong>{error.action} failed:</strong> <span data-testid="error-message">{error.message}</span>
            {/[.!?…]$/.test(error.message) ? ' ' : '. '}
            <span data-testid="error-hint">{error.hint}</span>
          </span>
          <button type="button" data-testid="error-dismiss" onClick={dismissFailure}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
