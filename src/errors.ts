/**
 * Errors that facemetric reports to a person: one line, naming the file (when there is one)
 * and the problem. The CLI prints `facemetric: <message>` and exits non-zero; it never prints a
 * stack trace for a FacemetricError.
 */
export class FacemetricError extends Error {
  /** The file the problem is about, when there is one. */
  readonly file: string | undefined;
  /** Exit code the CLI uses for this error (2 = usage / not implemented, 1 = bad input). */
  readonly exitCode: number;

  constructor(message: string, options: { file?: string; exitCode?: number; cause?: unknown } = {}) {
    super(options.file !== undefined ? `${options.file}: ${message}` : message,
      options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.file = options.file;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A problem with an input image (corrupt, truncated, empty, unsupported, too large). */
export class ImageError extends FacemetricError {}

/** A problem with a dlib-format model file; `offset` is the byte where it was found. */
export class DlibFormatError extends FacemetricError {
  readonly offset: number;
  constructor(message: string, offset: number, options: { file?: string; cause?: unknown } = {}) {
    super(`at byte ${offset}: ${message}`, options);
    this.offset = offset;
  }
}

/** A problem with a model asset (missing, checksum mismatch); the message says how to fix it. */
export class ModelAssetError extends FacemetricError {}

/** Wrong command-line arguments (exit code 2). */
export class UsageError extends FacemetricError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
  }
}
