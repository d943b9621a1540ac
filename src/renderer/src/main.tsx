/** Renderer entry: starts the client (and with it the sync) and mounts the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './api/client';
import { installErrorHandlers } from './state/actions';
import { App } from './App';
import { warmUpMarkdown } from './components/Markdown';
import './styles.css';
import 'highlight.js/styles/github.css';

installErrorHandlers(window);
// Off the first paint: once the window is idle, before a person opens a conversation.
(window.requestIdleCallback ?? ((f: () => void) => setTimeout(f, 500)))(() => warmUpMarkdown());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
