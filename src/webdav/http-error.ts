// The error a WebDAV method throws for a protocol answer (rather than a filesystem error).

/** A protocol-level answer: status, plus an optional RFC 4918 precondition element for the body. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly condition?: string,
  ) {
    super(message);
  }
}
