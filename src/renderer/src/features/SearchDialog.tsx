/** Search across every message of every branch (Ctrl/Cmd+K). Opening a result shows it on its branch, highlighted. */
import { useEffect, useRef, useState } from 'react';
import DOMPurify from 'dompurify';
import { actions } from '../api/client';
import { Modal } from '../components/Modal';
import type { SearchResult } from '../../../shared/exchange';

export function SearchDialog({ onClose }: { onClose: () => void }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<SearchResult[]>([]);
  const [active, setActive] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    if (!q.trim()) {
      setResults([]);
      return;
    }
    const t = setTimeout(() => {
      void actions.search(q, 30).then((r) => {
        if (r && mine === seq.current) {
          setResults(r.results);
          setActive(0);
        }
      });
    }, 80);
    return () => clearTimeout(t);
  }, [q]);

  const open = async (r: SearchResult) => {
    onClose();
    if (r.role !== 'title') await actions.switchBranch(r.conversation_id, r.message_id);
    await actions.selectConversation(r.conversation_id, r.message_id);
  };

  return (
    <Modal onClose={onClose} aria-label="Search" onClick={onClose}>
      <div className="dialog search-dialog" onClick={(e) => e.stopPropagation()}>
        <input
          data-testid="search-input"
          autoFocus
          placeholder='Search every conversation — words, or "a phrase"'
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(a + 1, results.length - 1));
            }
            if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(a - 1, 0));
            }
            if (e.key === 'Enter' && results[active]) void open(results[active]);
          }}
        />
        <ul className="search-results">
          {results.map((r, i) => (
            <li key={`${r.role}:${r.message_id}`}>
              <button
                type="button"
                data-testid="search-result"
                data-message-id={r.message_id}
                data-conversation-id={r.conversation_id}
                className={i === active ? 'active' : ''}
                onClick={() => void open(r)}
              >
                <span className="result-title">
                  {r.conversation_title || 'Untitled'}{' '}
                  <span className="muted">
                    · {new Date(r.created_at).toLocaleDateString()}
                    {r.role === 'title' ? ' · title' : r.role === 'thinking' ? ' · thinking' : ''}
                  </span>
                </span>
                <span
                  className="snippet"
                  dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(r.snippet, { ALLOWED_TAGS: ['mark'], ALLOWED_ATTR: [] }) }}
                />
              </button>
            </li>
          ))}
          {q.trim() && !results.length && <li className="muted">No results</li>}
        </ul>
      </div>
    </Modal>
  );
}
