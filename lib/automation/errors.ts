import { ZodError } from 'zod';
import { AppError } from '../errors';

/** One clear line for the operator, whatever went wrong. */
export function errorMessage(error: unknown): { code: string; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  if (error instanceof ZodError) {
    const issue = error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    return { code: 'invalid_input', message: `${where}${issue.message}` };
  }
  if (error instanceof SyntaxError) return { code: 'invalid_json', message: `invalid JSON: ${error.message}` };
  return { code: 'internal_error', message: error instanceof Error ? error.message : String(error) };
}
