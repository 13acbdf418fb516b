// qcow2 container plugin (qemu docs/interop/qcow2.rst): recognises "QFI\xfb", opens the backing
// chain under the backing-file policy (./backing.ts) and exposes the guest disk as a Source.
import { IntrospectError } from '../../core/errors.js';
import type { ImageOpenRequest, Introspector } from '../../core/pipeline/introspector.js';
import type { Plugin } from '../../core/pipeline/plugin.js';
import type { Source } from '../../core/source/source.js';
import { resolveBackingFile } from './backing.js';
import { INCOMPAT_CORRUPT, isQcow2, parseQcow2Header } from './header.js';
import { Qcow2Source } from './qcow2-source.js';

export { Qcow2Source } from './qcow2-source.js';
export { parseQcow2Header, isQcow2, type Qcow2Header } from './header.js';
export { resolveBackingFile, MAX_BACKING_CHAIN } from './backing.js';

/** Backing formats we can open; others (vmdk, luks...) are refused by name. */
const BACKING_FORMATS = new Set(['qcow2', 'raw']);

export function openQcow2(request: ImageOpenRequest): Qcow2Source {
  const header = parseQcow2Header(request.file);
  let backing: Source | undefined;
  if (header.backing_file !== undefined) {
    const format = header.backing_format;
    if (format !== undefined && !BACKING_FORMATS.has(format)) {
      throw new IntrospectError({ file: request.path, structure: 'qcow2 backing file format', reason: `backing format "${format}" is not supported (only qcow2 and raw)` });
    }
    const path = resolveBackingFile({
      imagePath: request.path,
      backingName: header.backing_file,
      allowBacking: request.allowBacking,
      chainDepth: request.chainDepth,
    });
    backing = request.open(path, format, request.chainDepth + 1);
  }
  return new Qcow2Source(request.path, request.file, header, backing);
}

export const qcow2Plugin: Plugin = {
  name: 'qcow2',
  apply(introspector: Introspector): void {
    introspector.hooks.openImage.tap('qcow2', (request) => {
      if (request.format !== undefined && request.format !== 'qcow2') return undefined;
      if (!isQcow2(request.file)) {
        if (request.format === 'qcow2') {
          throw new IntrospectError({ file: request.path, structure: 'qcow2 header', offset: 0, reason: 'not a qcow2 image (no "QFI\\xfb" magic) although --format qcow2 was given' });
        }
        return undefined;
      }
      return openQcow2(request);
    });
    // The open hook has no session; say what the header flags once the disk is in the guest.
    introspector.hooks.expand.tap('qcow2', (node, session) => {
      if (node.kind !== 'disk' || !(node.source instanceof Qcow2Source)) return;
      for (let s: Source | undefined = node.source; s instanceof Qcow2Source; s = s.backing) {
        if (s.header.incompatible_features & INCOMPAT_CORRUPT) {
          session.report(
            'warning',
            new IntrospectError({ file: s.name, structure: 'qcow2 header incompatible_features', offset: 72, reason: 'qemu marked this image corrupt (bit 1): its tables may be inconsistent; run qemu-img check' }),
            node.device,
          );
        }
      }
    });
  },
};

export default qcow2Plugin;
