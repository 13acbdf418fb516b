// One guest's df outcome as plain, structured-clonable data: what a df worker thread sends back to
// the parent (node:worker_threads postMessage), and what the in-process path renders too, so both
// print the same bytes.
import { IntrospectError } from '../errors.js';
import type { ImageSpec, Introspector } from '../pipeline/introspector.js';
import type { FilesystemStats } from '../pipeline/model.js';
import { dfGuest, type DfEntry, type DfGuestReport } from './df.js';

export interface DfPlainFilesystem {
  device: string;
  type: string;
  label?: string;
  uuid?: string;
  stats: FilesystemStats;
}

export interface DfPlainSkipped {
  device: string;
  type: string;
  label?: string;
  uuid?: string;
  note: string;
}

/** An IntrospectError flattened: `message` is kept as the error printed it. */
export interface DfPlainProblem {
  level: 'warning' | 'error';
  device?: string;
  file: string;
  structure: string;
  offset?: number | bigint;
  reason: string;
  message: string;
}

export interface DfGuestResult {
  filesystems: DfPlainFilesystem[];
  skipped: DfPlainSkipped[];
  problems: DfPlainProblem[];
  /** A failure that is not an IntrospectError (a bug): the sequential run would stop here with it. */
  fatal?: string;
}

const describe = (entry: DfEntry): string => entry.note ?? entry.type;

export function plainProblem(level: 'warning' | 'error', device: string | undefined, error: IntrospectError): DfPlainProblem {
  return { level, device, file: error.file, structure: error.structure, offset: error.offset, reason: error.reason, message: error.message };
}


export function plainReport(report: DfGuestReport): DfGuestResult {
  return {
    filesystems: report.filesystems.map((e) => ({ device: e.device, type: e.type, label: e.label, uuid: e.uuid, stats: { ...e.stats! } })),
    skipped: report.skipped.map((e) => ({ device: e.device, type: e.type, label: e.label, uuid: e.uuid, note: describe(e) })),
    problems: report.problems.map((p) => plainProblem(p.level, p.device, p.error)),
  };
}

/** Inspect one guest and compute its df figures; errors of the guest's own images become problems. */
export function dfGuestResult(introspector: Introspector, images: readonly ImageSpec[], name: string): DfGuestResult {
  try {
    return plainReport(dfGuest(introspector, introspector.inspectGuest(images), name));
  } catch (error) {
    if (!(error instanceof IntrospectError)) throw error;
    return { filesystems: [], skipped: [], problems: [plainProblem('error', undefined, error)] };
  }
}

/**
 * Results that arrive in any order, handed on in index order: `put(i, v)` calls `emit` for i and every
 * following index already there, as soon as all the indexes before them have been emitted.
 */
export class OrderedMerge<T> {
  private next = 0;
  private readonly waiting = new Map<number, T>();

  constructor(private readonly emit: (index: number, value: T) => void) {}

  put(index: number, value: T): void {
    if (!Number.isSafeInteger(index) || index < this.next || this.waiting.has(index)) throw new Error(`result ${index} given twice or out of range`);
    this.waiting.set(index, value);
    while (this.waiting.has(this.next)) {
      const ready = this.waiting.get(this.next) as T;
      this.waiting.delete(this.next);
      this.emit(this.next++, ready);
    }
  }

  /** How many results have been emitted. */
  get emitted(): number {
    return this.next;
  }
}
