/** Import (file picker or drag and drop anywhere but the composer, where a drop attaches) and export-all, with the import's progress. */
import { useEffect, useRef, useState } from 'react';
import { actions } from '../api/client';
import { useHoldfast } from '../state/store';

export function DataMenu() {
  const input = useRef<HTMLInputElement>(null);
  const progress = useHoldfast((s) => s.importProgress);
  const [busy, setBusy] = useState(false);
  const run = async (files: readonly File[]) => {
    if (!files.length) return;
    setBusy(true);
    await actions.importFiles(files); // each in turn; the notice or the banner says how each went
    setBusy(false);
  };
  useEffect(() => {
    const over = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    const drop = (e: DragEvent) => {
      // The composer handled it (it attaches files dropped on it): not an import.
      if (e.defaultPrevented || !e.dataTransfer?.files.length) return;
      e.preventDefault();
      void run([...e.dataTransfer.files]);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  });
  return (
    <div className="data-menu">
      <input
        ref={input}
        type="file"
        accept=".json,.zip,application/json,application/zip"
        hidden
        multiple
        data-testid="import-input"
        onChange={(e) => {
          void run([...(e.target.files ?? [])]);
          e.target.value = '';
        }}
      />
      <button type="button" data-testid="import-button" disabled={busy} onClick={() => input.current?.click()}>
        Import…
      </button>
      {actions.kind === 'websocket' && (
        <a className="button" data-testid="export-all" href="/api/export" download>
          Export all
        </a>
      )}
      {busy && (
        <div className="import-progress" data-testid="import-progress">
          Importing
          {progress && progress.total
            ? ` ${Math.round((progress.bytes / progress.total) * 100)}% · ${progress.conversations} conversations`
            : '…'}
        </div>
      )}
    </div>
  );
}

/** Saves text (or base64 bytes) as a file: a download in the browser; in Electron the same download opens a save dialog. */
export function download(filename: string, mime: string, content: string, encoding?: 'base64'): void {
  const body = encoding === 'base64' ? Uint8Array.from(atob(content), (c) => c.charCodeAt(0)) : content;
  const url = URL.createObjectURL(new Blob([body], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
