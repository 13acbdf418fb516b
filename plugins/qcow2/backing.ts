// Backing-file policy. A qcow2 header names its backing file, so a hostile image could make us
// read any host file (qemu and libguestfs guard against the same: libguestfs docs "SECURITY").
// We follow a backing file only when its real path lies inside the image's own folder or a
// folder the user allowed with --allow-backing (Introspector option allowBacking).
import { realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { IntrospectError } from '../../core/errors.js';

/** Longest chain overlay -> backing -> backing... we follow (also stops a chain that loops). */
export const MAX_BACKING_CHAIN = 16;

export interface BackingRequest {
  /** Path of the image naming the backing file, as it was opened. */
  imagePath: string;
  /** The name stored in the header. */
  backingName: string;
  /** Extra folders the user allowed. */
  allowBacking: readonly string[];
  /** Hops already followed to reach imagePath. */
  chainDepth: number;
}

const ALLOW_HINT = 'pass --allow-backing DIR (Introspector option allowBacking) to follow backing files in DIR';

/** Resolve and check a backing file name; returns the real path to open. */
export function resolveBackingFile(request: BackingRequest): string {
  const { imagePath, backingName } = request;
  const fail = (reason: string): IntrospectError => new IntrospectError({ file: imagePath, structure: 'qcow2 backing file', reason });

  if (request.chainDepth + 1 > MAX_BACKING_CHAIN) {
    throw fail(`backing chain longer than ${MAX_BACKING_CHAIN} images (a loop?) at "${backingName}"`);
  }
  if (backingName.includes('\0')) throw fail('backing file name contains a NUL byte');
  // qemu would treat "json:{...}", "nbd:...", "http://..." as protocol specifications, not files.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(backingName) && !backingName.startsWith('/')) {
    throw fail(`backing file "${backingName}" is a protocol or json: specification, not a file; refused`);
  }

  const resolved = isAbsolute(backingName) ? backingName : resolve(dirname(imagePath), backingName);
  let real: string;
  try {
    real = realpathSync(resolved);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw fail(`backing file "${backingName}" (${resolved}) cannot be opened (${code})`);
  }

  const roots = [dirname(imagePath), ...request.allowBacking].map(realFolder).filter((r): r is string => r !== undefined);
  if (!roots.some((root) => isInside(real, root))) {
    throw fail(
      `backing file "${backingName}" resolves to ${real}, outside the image's folder ${roots[0] ?? dirname(imagePath)}; ` +
        `refused for safety: a qcow2 header can name any host file. If you trust it, ${ALLOW_HINT}`,
    );
  }
  const stat = statSync(real);
  if (!stat.isFile()) throw fail(`backing file "${backingName}" (${real}) is not a regular file; refused`);
  return real;
}

function realFolder(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
