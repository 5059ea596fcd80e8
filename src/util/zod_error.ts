import type { z } from 'zod';

/** The first problem of a failed zod parse as `path: message`, for one-line errors. */
export function formatZodError(err: z.ZodError): string {
  const issue = err.issues[0];
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${path}: ${issue.message}`;
}
