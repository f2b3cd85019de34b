/**
 * A rule of the domain refused something. `code` is stable and machine-readable; the HTTP layer maps
 * codes to statuses in one place (src/http/errors.ts).
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
