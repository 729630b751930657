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
  ) {
    super(message);
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
