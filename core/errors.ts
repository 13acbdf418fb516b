/**
 * Every failure a user can cause with a bad image or bad arguments is an IntrospectError:
 * it names the file, the structure, the offset and what was wrong, so the CLI can print one line.
 */
export interface ErrorLocation {
  /** Image file (or source name) the bad bytes came from. */
  file: string;
  /** The structure being read, e.g. "MBR partition entry 2", "qcow2 L1 table". */
  structure: string;
  /** Byte offset within `file` (or within the named address space) where the problem is. */
  offset?: number | bigint;
  /** What was wrong, in words. */
  reason: string;
}

/** Marks IntrospectErrors across copies of this module (see Symbol.hasInstance below). */
const INTROSPECT_ERROR = Symbol.for('introspect.IntrospectError');

export class IntrospectError extends Error implements ErrorLocation {
  /**
   * The `introspect` command is one bundled file, while a third-party plugin imports the package's
   * modules: two copies of this class. Errors of either copy are IntrospectErrors to the other.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== IntrospectError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[INTROSPECT_ERROR] === true;
  }

  readonly [INTROSPECT_ERROR] = true;
  readonly file: string;
  readonly structure: string;
  readonly offset?: number | bigint;
  readonly reason: string;

  constructor(location: ErrorLocation, options?: { cause?: unknown }) {
    super(formatLocation(location), options);
    this.name = 'IntrospectError';
    this.file = location.file;
    this.structure = location.structure;
    this.offset = location.offset;
    this.reason = location.reason;
  }

  toJSON(): ErrorJson {
    return errorJson(this);
  }
}

/** The `error` object of --json output. */
export interface ErrorJson {
  file: string;
  structure: string;
  offset: number | string | null;
  reason: string;
  message: string;
}

/** An error's location as JSON (a bigint offset as a decimal string), from an error or its plain copy. */
export function errorJson(e: ErrorLocation & { message: string }): ErrorJson {
  const offset = e.offset === undefined ? null : typeof e.offset === 'bigint' ? e.offset.toString() : e.offset;
  return { file: e.file, structure: e.structure, offset, reason: e.reason, message: e.message };
}

export function formatOffset(offset: number | bigint): string {
  return `${offset} (0x${offset.toString(16)})`;
}

export function formatLocation(l: ErrorLocation): string {
  const at = l.offset === undefined ? '' : ` at offset ${formatOffset(l.offset)}`;
  return `${l.file}: ${l.structure}${at}: ${l.reason}`;
}

/** A command-line mistake: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A feature whose issue has not landed: exit 1 with this message, never made-up output. */
export class NotImplementedError extends Error {
  constructor(feature: string, issue: number) {
    super(`${feature} is not implemented yet (tracked in issue #${issue})`);
    this.name = 'NotImplementedError';
  }
}
