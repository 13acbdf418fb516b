// Raw images: the file is the disk. Tapped with a late stage so every container format
// (qcow2...) gets its chance first; `--format raw` skips them (they all decline a forced format).
import { IntrospectError } from '../../core/errors.js';
import type { Introspector } from '../../core/pipeline/introspector.js';
import type { Plugin } from '../../core/pipeline/plugin.js';
import type { Source } from '../../core/source/source.js';

/** Tap stage of the raw fallback: after every other container plugin. */
export const RAW_STAGE = 1000;

/** Container formats we do not read; a raw read of them would show garbage, so say what they are. */
const FOREIGN_MAGICS: ReadonlyArray<{ magic: string; offset: number; name: string }> = [
  { magic: 'KDMV', offset: 0, name: 'VMDK (sparse extent)' },
  { magic: 'vhdxfile', offset: 0, name: 'VHDX' },
  { magic: '<<< Oracle VM VirtualBox Disk Image >>>', offset: 0, name: 'VDI' },
  { magic: 'QFI\xfb', offset: 0, name: 'qcow2' },
];

function foreignFormat(file: Source): string | undefined {
  for (const { magic, offset, name } of FOREIGN_MAGICS) {
    if (file.size < offset + magic.length) continue;
    const bytes = file.read(offset, magic.length, 'image magic');
    if (Buffer.from(bytes).toString('latin1') === magic) return name;
  }
  return undefined;
}

export const rawPlugin: Plugin = {
  name: 'raw',
  apply(introspector: Introspector): void {
    introspector.hooks.openImage.tap({ name: 'raw', stage: RAW_STAGE }, (request) => {
      if (request.format === 'raw') return request.file;
      if (request.format !== undefined) return undefined;
      const foreign = foreignFormat(request.file);
      if (foreign) {
        throw new IntrospectError({
          file: request.path,
          structure: 'image container',
          offset: 0,
          reason: `looks like a ${foreign} image, which no plugin here reads; convert it (qemu-img convert -O raw) or force --format raw`,
        });
      }
      return request.file;
    });
  },
};

export default rawPlugin;
