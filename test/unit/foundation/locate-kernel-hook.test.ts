import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import type { KernelContext } from '../../../core/memory/kernel.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { linuxKernelPlugin } from '../../../plugins/linux-kernel/plugin.js';

const emptyMemory: PhysicalMemory = {
  name: 'empty.raw',
  format: 'raw',
  ranges: [{ start: 0, end: 4096 }],
  cpus: [],
  read: (_address, length) => new Uint8Array(length),
  isPresent: () => true,
};

describe('locateKernel hook', () => {
  it('without a kernel plugin: an error naming the image', () => {
    const error = (() => {
      try {
        new Introspector().locateKernel(emptyMemory);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(IntrospectError);
    expect((error as IntrospectError).message).toBe('empty.raw: operating system kernel: no kernel plugin is registered');
  });

  it('another kernel plugin at the default stage is asked before the Linux locator', () => {
    const found = { release: 'other-os' } as unknown as KernelContext;
    const introspector = new Introspector().use(linuxKernelPlugin, {
      name: 'other-os',
      apply: (i) => i.hooks.locateKernel.tap('other-os', () => found),
    });
    expect(introspector.locateKernel(emptyMemory)).toBe(found);
  });

  it('the Linux locator explains what it tried when memory holds no kernel', () => {
    const lines: string[] = [];
    const introspector = new Introspector().use(linuxKernelPlugin);
    expect(() => introspector.locateKernel(emptyMemory, { explain: (l) => lines.push(l) })).toThrow(IntrospectError);
    expect(lines.join('\n')).toContain('VMCOREINFO');
  });
});
