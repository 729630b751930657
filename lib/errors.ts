/**
 * The one error type the product raises on purpose. `code` is stable and machine-readable (it
 * becomes `error.code` in OpenAI-shaped gateway responses and the CLI's one-line message);
 * `status` is the HTTP status it maps to.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
    /** Extra fields for the error body (reset times, per-reason counts); never secrets. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
