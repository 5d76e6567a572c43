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

/**
 * The CUDA backend (src/cuda/) cannot run here; `reason` says why in one word, the message in
 * words: 'not-built' (npm run build:cuda has not run), 'load' (the library or the shim does not
 * load), 'abi' (a library from another version of facemetric), 'no-driver', 'no-device'.
 */
export class CudaUnavailableError extends FacemetricError {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(`CUDA is not available: ${message}`);
    this.reason = reason;
  }
}

/**
 * The CUDA library refused a call (`status`: its status name, e.g. 'bad input', 'bad program',
 * 'CUDA error'); the message is the library's one line.
 */
export class CudaError extends FacemetricError {
  readonly status: string;
  constructor(status: string, message: string) {
    super(`CUDA backend: ${message}`);
    this.status = status;
  }
}

/** The GPU (or, in the host build, the process) cannot hold the network for the batch asked for. */
export class CudaOutOfMemoryError extends CudaError {}

/**
 * A Node file-system error (its `code`) in words, for a one-line message about a path:
 * `missing` names what a path that does not exist was taken to be ('file', or 'file or folder'
 * for a path that may be either); any other error, the first line of its message.
 */
export function fsErrorReason(e: unknown, missing: 'file' | 'file or folder' = 'file'): string {
  switch ((e as { code?: unknown } | null)?.code) {
    case 'ENOENT': return `no such ${missing}`;
    case 'ENOTDIR': return `no such ${missing} (a parent in its path is not a folder)`;
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a folder';
    case 'ELOOP': return 'too many levels of symbolic links';
    default: return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  }
}

/**
 * A problem with `file` as a report names it beside the file: `e`'s first line without the
 * file's name in front; an error that is not a FacemetricError is marked "(internal error)".
 */
export function problemOf(file: string, e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  const bare = msg.startsWith(`${file}: `) ? msg.slice(file.length + 2) : msg;
  return e instanceof FacemetricError ? bare : `${bare} (internal error)`;
}
