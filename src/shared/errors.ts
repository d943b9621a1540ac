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
