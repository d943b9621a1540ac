/** Renderer entry: starts the client (and with it the sync) and mounts the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { sync } from './api/client';
import { installErrorHandlers } from './state/actions';
import { useHoldfast } from './state/store';
import { App } from './App';
import { warmUpMarkdown } from './components/Markdown';
import './styles.css';
import 'highlight.js/styles/github.css';

installErrorHandlers(window);
const whenIdle = (f: () => void) => (window.requestIdleCallback ? window.requestIdleCallback(f, { timeout: 2000 }) : setTimeout(f, 500));
// Off the first paint: once the window is idle, before a person opens a conversation.
whenIdle(() => warmUpMarkdown());
// Once the list is here and the window idle, the conversations at its top are read ahead (Sync.readAhead).
const stopWaiting = useHoldfast.subscribe((s) => {
  if (s.lastSeq === null) return;
  stopWaiting();
  whenIdle(() => void sync.readAhead());
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
