// Memory-image containers on the openMemory hook: ELF cores, kdump-compressed (normal and flattened),
// LiME, and raw files (pmemsave output, a live guest's memory-backend-file) as the last resort.
import { IntrospectError } from '../../core/errors.js';
import type { MemoryOpenRequest, PhysicalMemory } from '../../core/memory/types.js';
import type { Plugin } from '../../core/pipeline/plugin.js';
import { isElfCore, openElfCore } from './elf-core.js';
import { isKdump, openKdump } from './kdump.js';
import { isLime, openLime } from './lime.js';
import { RawPhysicalMemory } from './raw.js';

export { openElfCore, isElfCore } from './elf-core.js';
export { openKdump, isKdump, KdumpPhysicalMemory } from './kdump.js';
export { FlattenedSource, isFlattened } from './kdump-flattened.js';
export { openLime, isLime } from './lime.js';
export { RawPhysicalMemory } from './raw.js';
export { parseNotes, cpuStatesFromNotes, vmcoreinfoFromNotes, type ElfNote } from './notes.js';

type Opener = (request: MemoryOpenRequest) => PhysicalMemory;

/** Format names a user may force with --format, and the names each container answers to. */
const FORMATS: Record<string, readonly string[]> = {
  elf: ['elf', 'elf-core', 'vmcore'],
  kdump: ['kdump', 'kdump-compressed', 'diskdump', 'makedumpfile'],
  lime: ['lime'],
  raw: ['raw', 'live', 'pmemsave'],
};

function container(format: keyof typeof FORMATS, recognise: (r: MemoryOpenRequest) => boolean, open: Opener) {
  return (request: MemoryOpenRequest): PhysicalMemory | undefined => {
    const forced = request.format?.toLowerCase();
    if (forced !== undefined) {
      if (!FORMATS[format].includes(forced)) return undefined;
      if (!recognise(request)) {
        throw new IntrospectError({ file: request.source.name, structure: `${format} memory image`, offset: 0, reason: `not a ${format} memory image (format forced with --format ${forced})` });
      }
      return open(request);
    }
    return recognise(request) ? open(request) : undefined;
  };
}

export const memoryContainersPlugin: Plugin = {
  name: 'memory-containers',
  apply(introspector) {
    const hook = introspector.hooks.openMemory;
    hook.tap('elf-core', container('elf', (r) => isElfCore(r.source), openElfCore));
    hook.tap('kdump', container('kdump', (r) => isKdump(r.source), openKdump));
    hook.tap('lime', container('lime', (r) => isLime(r.source), openLime));
    // Raw accepts anything, so it runs last. A live RAM file is read the same way (no caching).
    hook.tap({ name: 'raw-memory', stage: 100 }, (request) => {
      const forced = request.format?.toLowerCase();
      if (forced !== undefined && !FORMATS.raw.includes(forced)) return undefined;
      if (request.source.size === 0) {
        throw new IntrospectError({ file: request.source.name, structure: 'memory image', offset: 0, reason: 'file is empty' });
      }
      return new RawPhysicalMemory(request.source, 0, forced === 'live' ? 'live' : 'raw');
    });
  },
};

export default memoryContainersPlugin;
