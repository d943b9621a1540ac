/**
 * Files on a message or in the composer: image thumbnails (click for full size), other files as named chips that
 * download the file when clicked (never shown in the page, so an HTML or SVG file runs nothing).
 */
import { useEffect, useState } from 'react';
import { actions } from '../api/client';
import { Modal } from '../components/Modal';
import { download } from './DataMenu';
import { isDisplayableImage, type AttachmentRef } from '../../../shared/attachments';

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** One file. Images load as data URLs through the contract (the page's CSP allows no other image source). */
export function AttachmentChip({
  a,
  testId,
  onRemove,
  notice,
}: {
  a: AttachmentRef;
  testId: string;
  onRemove?: () => void;
  /** What the app did to the file on the way in (an image downscaled to the provider's limit). */
  notice?: string;
}) {
  const image = isDisplayableImage(a.mime);
  const [url, setUrl] = useState<string | undefined>();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!image) return;
    let live = true;
    void actions.attachmentUrl(a.id).then((u) => live && setUrl(u));
    return () => {
      live = false;
    };
  }, [a.id, image]);
  return (
    <span className="attachment" data-testid={testId} data-name={a.name} data-mime={a.mime} title={`${a.name} (${size(a.size)})`}>
      {image ? (
        <button type="button" className="attachment-thumb" aria-label={`View ${a.name} full size`} onClick={() => setOpen(true)}>
          {url ? <img src={url} alt={a.name} data-testid="attachment-thumbnail" /> : <span className="attachment-loading">…</span>}
        </button>
      ) : (
        <button
          type="button"
          className="attachment-file"
          data-testid="attachment-download"
          aria-label={`Download ${a.name}`}
          onClick={() => void saveFile(a)}
        >
          <span className="attachment-name">{a.name}</span> <span className="attachment-size">{size(a.size)}</span>
        </button>
      )}
      {notice && (
        <span className="attachment-notice" data-testid="attachment-notice" role="status">
          {notice}
        </span>
      )}
      {onRemove && (
        <button type="button" className="attachment-remove" aria-label={`Remove ${a.name}`} onClick={onRemove}>
          ×
        </button>
      )}
      {open && url && (
        <Modal onClose={() => setOpen(false)} aria-label={a.name} data-testid="attachment-viewer" onClick={() => setOpen(false)}>
          <img className="attachment-full" src={url} alt={a.name} />
          {/* Saved to open with the system's viewer or editor; a click anywhere else closes the viewer. */}
          <button
            type="button"
            className="attachment-save"
            data-testid="attachment-download"
            onClick={(e) => {
              e.stopPropagation();
              void saveFile(a);
            }}
          >
            Download {a.name}
          </button>
        </Modal>
      )}
    </span>
  );
}

/** Saves the file under its own name; typed as bare bytes so nothing opens it in the page. */
async function saveFile(a: AttachmentRef): Promise<void> {
  const file = await actions.attachmentFile(a.id);
  if (file) download(a.name, 'application/octet-stream', file.data, 'base64');
}

export function AttachmentList({ items, testId }: { items: AttachmentRef[] | undefined; testId: string }) {
  if (!items?.length) return null;
  return (
    <div className="attachments">
      {items.map((a) => (
        <AttachmentChip key={a.id} a={a} testId={testId} />
      ))}
    </div>
  );
}
