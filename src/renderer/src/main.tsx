/** Renderer entry: starts the client (and with it the sync) and mounts the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './api/client';
import { installErrorHandlers } from './state/actions';
import { App } from './App';
import './styles.css';
import 'highlight.js/styles/github.css';

installErrorHandlers(window);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
