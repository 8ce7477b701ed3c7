/** What went wrong, as every surface needs to know it: the admin API turns it into a status, the CLI an exit. */
export type ServiceErrorCode =
  /** The thing named (a grant, an approval) does not exist, or is no longer active. */
  | 'not_found'
  /** It clashes with what is stored (a label another grant has). */
  | 'conflict'
  /** The request itself is wrong (a policy that does not load, a time that is not one, an unknown server). */
  | 'invalid';

/**
 * The one error a service throws. Its message is written for the person who asked, and is printed or sent as it
 * is; callers choose what to do by `code`, never by the message.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: ServiceErrorCode;
  /** What a surface may show besides the message, e.g. a policy's located `problems`. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ServiceErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}
