import type { Plugin } from '../../core/pipeline/plugin.js';
import { locateKernel } from './locate.js';

/**
 * Finds a Linux kernel in guest physical memory (VMCOREINFO, CPU state, banner and utsname checks;
 * see locate.ts) on the locateKernel hook, so memory views reach the kernel through the pipeline.
 */
export const linuxKernelPlugin: Plugin = {
  name: 'linux-kernel',
  apply(introspector) {
    // Last stage: the Linux locator's error says what it tried, so other kernels' plugins ask first.
    introspector.hooks.locateKernel.tap({ name: 'linux-kernel', stage: 100 }, (memory, search) => locateKernel(memory, { explain: search.explain }));
  },
};
