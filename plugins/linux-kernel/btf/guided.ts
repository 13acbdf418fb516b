// Data symbols found with type information when kallsyms lacks them (no CONFIG_KALLSYMS_ALL):
// init_task, by the approach of volatility3 (framework/automagic/linux.py LinuxIntelStacker: its
// comm "swapper/0" or "swapper" padded with NULs, pid 0), checked through the BTF layout: the
// tasks list's neighbours must point back at it (include/linux/list.h invariants).

import { IntrospectError } from '../../../core/errors.js';
import { readPointer, readS32, type VirtualMemory } from '../../../core/memory/virtual.js';
import type { KernelWindow } from '../kallsyms/window.js';
import type { Btf } from './btf.js';

const CHUNK = 1 << 24;
const COMMS = ['swapper/0', 'swapper'].map((c) => {
  const b = new Uint8Array(16);
  for (let i = 0; i < c.length; i++) b[i] = c.charCodeAt(i);
  return b;
});

function* hits(window: KernelWindow, needle: Uint8Array): Generator<number> {
  for (let start = 0; start < window.size; start += CHUNK) {
    const length = Math.min(CHUNK + needle.length - 1, window.size - start);
    if (length < needle.length) break;
    const chunk = window.read(start, length, 'init_task scan');
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + 1)) if (at < CHUNK) yield start + at;
  }
}

/**
 * Runtime address of init_task in a virtual window over the kernel image (its .data), or undefined.
 * A candidate must have pid 0 and a tasks list whose next and prev entries link back to it.
 */
export function findInitTask(window: KernelWindow, vm: VirtualMemory, btf: Btf): bigint | undefined {
  if (!window.virtual) return undefined;
  const comm = BigInt(btf.offsetof('task_struct', 'comm'));
  const pid = BigInt(btf.offsetof('task_struct', 'pid'));
  const tasks = BigInt(btf.offsetof('task_struct', 'tasks'));
  const P = BigInt(vm.pointerSize);
  for (const needle of COMMS) {
    for (const at of hits(window, needle)) {
      const task = window.base + BigInt(at) - comm;
      if (task < window.base) continue;
      try {
        if (readS32(vm, task + pid) !== 0) continue;
        const head = task + tasks;
        const next = readPointer(vm, head);
        const prev = readPointer(vm, head + P);
        if (readPointer(vm, next + P) !== head || readPointer(vm, prev) !== head) continue;
        return task;
      } catch (e) {
        if (e instanceof IntrospectError) continue; // pointers into unmapped memory: not init_task
        throw e;
      }
    }
  }
  return undefined;
}
