import { IntrospectError } from '../errors.js';
import type { Introspector } from '../pipeline/introspector.js';
import { FileSource } from '../source/file-source.js';
import type { PhysicalMemory } from './types.js';

/** Open a memory image read-only and unwrap its container through the openMemory hook. */
export function openMemoryImage(introspector: Introspector, path: string, format?: string): PhysicalMemory {
  const source = new FileSource(path);
  const memory = introspector.hooks.openMemory.call({ path, source, format });
  if (memory) return memory;
  throw new IntrospectError({
    file: path,
    structure: 'memory image',
    offset: 0,
    reason: format ? `no memory container plugin handles format "${format}"` : 'not a memory image any plugin recognises',
  });
}
