/** The one error shape that crosses every edge (IPC, WebSocket, HTTP). */
import { z } from 'zod';

export const ErrorCode = z.enum([
  'invalid_input',
  'not_found',
  'conflict',
  'provider_error',
  'offline',
  'internal',
  'unauthorized',
  'too_large',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  retryable: z.boolean().optional(),
  details: z.unknown().optional(),
});
export type ErrorShape = z.infer<typeof ErrorShape>;

/**
 * Why a `conflict` happened, in its `details.reason`, so a window or a script acts on it without reading the message:
 * the conversation is in the trash; the answer is generating (or queued); it is complete (regenerate instead); it did
 * not finish (retry instead); it ended normally (nothing to continue); the provider is used by conversations.
 */
export const ConflictReason = z.enum(['trashed', 'generating', 'completed', 'unfinished', 'ended_normally', 'provider_in_use']);
export type ConflictReason = z.infer<typeof ConflictReason>;

/** Thrown by the core; each edge maps it once. */
export class HoldfastError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HoldfastError';
  }
}

/** A conflict with its reason in `details` (beside any other details). */
export function conflict(reason: ConflictReason, message: string, details: Record<string, unknown> = {}): HoldfastError {
  return new HoldfastError('conflict', message, { reason, ...details });
}

export function toErrorShape(err: unknown): ErrorShape {
  if (err instanceof HoldfastError) {
    return { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) };
  }
  if (err instanceof z.ZodError) {
    return { code: 'invalid_input', message: formatZodError(err), details: err.issues };
  }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

export function formatZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
}

export const httpStatusFor: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  provider_error: 502,
  offline: 503,
  internal: 500,
  unauthorized: 401,
  too_large: 413,
};
