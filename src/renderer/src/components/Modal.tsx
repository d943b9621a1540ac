/**
 * A dialog over the whole window. It is rendered into <body>, so nothing in the thread can cover or clip it (each
 * message is its own paint container), and Escape closes it.
 */
import { useEffect, type HTMLAttributes, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

export function Modal({ onClose, children, ...rest }: { onClose: () => void; children: ReactNode } & HTMLAttributes<HTMLDivElement>) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return createPortal(
    <div className="dialog-backdrop" role="dialog" {...rest}>
      {children}
    </div>,
    document.body,
  );
}
