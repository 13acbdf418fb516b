// BTF of the corpus kernels: found in the memory images (or, for bookworm-i386, the pahole-made
// vmlinux.btf beside it), parsed, and checked by reading the guest's own task list with the offsets it
// gives: init_task.comm is "swapper/0", the tasks list closes, and every process the guest listed
// is there with its pid, tgid, comm and parent.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openMemoryImage } from '../../../core/memory/open.js';
import { readCString, readPointer, readS32 } from '../../../core/memory/virtual.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from '../../../test/corpus/corpus.js';
import { memoryContainersPlugin } from '../../memory-containers/index.js';
import { recoverKallsyms } from '../kallsyms/index.js';
import { virtualWindow } from '../kallsyms/window.js';
import { locateKernel } from '../locate.js';
import { findBtf, findInitTask, findKernelBtf, parseBtf, type Btf } from './index.js';

interface MemTruth {
  runtime_kallsyms: Record<string, string>;
  system_map: string;
  processes: { pid: number; tgid: number; ppid: number; comm: string }[];
}

const skip = !corpusAvailable() && !corpusRequired();
const memDir = corpusFile('mem');
const variants = !skip && existsSync(memDir) ? readdirSync(memDir).filter((v) => existsSync(join(memDir, v, 'truth.json'))).sort() : [];

function linkAddress(path: string, name: string): bigint | undefined {
  const line = readFileSync(path, 'utf8').split('\n').find((l) => l.endsWith(` ${name}`));
  return line ? BigInt('0x' + line.split(' ')[0]) : undefined;
}

describe.skipIf(skip)('BTF of the corpus kernels', () => {
  for (const variant of variants) {
    const dir = join(memDir, variant);
    const image = readdirSync(dir).find((f) => /^mem\.(raw|elf|kdump|lime)$/.test(f));
    if (!image) continue;
    describe(variant, () => {
      const truth = readTruth<MemTruth>(`mem/${variant}/truth.json`);
      const config = readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith('config-'))!), 'utf8');
      const hasBtf = /^CONFIG_DEBUG_INFO_BTF=y$/m.test(config);
      const memory = openMemoryImage(new Introspector().use(memoryContainersPlugin), join(dir, image));
      const kernel = locateKernel(memory);
      const kallsyms = recoverKallsyms(kernel).table;
      const map = join(dir, truth.system_map);
      const shift = BigInt(truth.runtime_kallsyms._stext) - linkAddress(map, '_stext')!;
      let btf: Btf;

      it(hasBtf ? 'finds the kernel BTF in memory at __start_BTF, by symbols and by scan' : 'finds no BTF in memory (CONFIG_DEBUG_INFO_BTF off); reads vmlinux.btf', () => {
        const start = linkAddress(map, '__start_BTF');
        const stop = linkAddress(map, '__stop_BTF');
        if (!hasBtf) {
          expect(() => findKernelBtf(kernel, kallsyms)).toThrow(/no BTF blob/);
          btf = parseBtf(readFileSync(join(dir, 'vmlinux.btf')), { name: 'vmlinux.btf' });
          return;
        }
        const found = findKernelBtf(kernel, kallsyms);
        expect(found.address).toBe(start! + shift);
        expect(found.size).toBe(Number(stop! - start!));
        expect(found.method).toBe(kallsyms.lookup('__start_BTF') !== undefined ? 'symbols' : 'scan');
        const begin = kernel.image.virtualStart;
        const scanned = findBtf(virtualWindow(kernel.vm, begin, begin + BigInt(kernel.image.size)), { pointerSize: kernel.vm.pointerSize });
        expect(scanned.address).toBe(found.address);
        expect(scanned.btf.count).toBe(found.btf.count);
        btf = found.btf;
      });

      it('layout facts: list_head is two pointers, comm is char[16], pointer size matches the kernel', () => {
        expect(btf.pointerSize).toBe(kernel.vm.pointerSize);
        expect(btf.sizeof('struct list_head')).toBe(2 * kernel.vm.pointerSize);
        expect(btf.offsetof('list_head', 'prev')).toBe(kernel.vm.pointerSize);
        const comm = btf.struct('task_struct')!.field('comm')!;
        expect(comm.size).toBe(16);
        expect(comm.typeName).toBe('char[16]');
        // pid and tgid are adjacent pid_t members (include/linux/sched.h).
        expect(btf.offsetof('task_struct', 'tgid')).toBe(btf.offsetof('task_struct', 'pid') + 4);
        const layouts = btf.toStructLayouts(['task_struct', 'list_head', 'mm_struct', 'new_utsname']);
        expect(layouts.list_head.fields).toMatchObject({ next: { offset: 0 }, prev: { offset: kernel.vm.pointerSize } });
        expect(layouts.new_utsname.size).toBe(6 * 65);
        expect(layouts.task_struct.fields.comm).toEqual({ offset: comm.offset, size: 16, type: 'char[16]' });
      });

      it('init_task.comm reads "swapper/0" and the tasks list holds every process the guest listed', () => {
        const vm = kernel.vm;
        const initTask = kallsyms.lookup('init_task') ?? linkAddress(map, 'init_task')! + shift;
        // Without KALLSYMS_ALL, BTF alone finds it: comm "swapper/0", pid 0, a tasks list that links back.
        const begin = kernel.image.virtualStart;
        expect(findInitTask(virtualWindow(vm, begin, begin + BigInt(kernel.image.size)), vm, btf)).toBe(initTask);
        const off = (path: string): bigint => BigInt(btf.offsetof('task_struct', path));
        expect(readCString(vm, initTask + off('comm'), 16)).toBe('swapper/0');
        expect(readS32(vm, initTask + off('pid'))).toBe(0);
        const seen = new Map<number, { tgid: number; ppid: number; comm: string }>();
        let task = readPointer(vm, initTask + off('tasks')) - off('tasks');
        for (let n = 0; task !== initTask; n++) {
          expect(n).toBeLessThan(100000);
          const parent = readPointer(vm, task + off('real_parent'));
          seen.set(readS32(vm, task + off('pid')), {
            tgid: readS32(vm, task + off('tgid')),
            ppid: readS32(vm, parent + off('tgid')),
            comm: readCString(vm, task + off('comm'), 16),
          });
          task = readPointer(vm, task + off('tasks')) - off('tasks');
        }
        // /proc/PID/comm (fs/proc/array.c proc_task_name) shows a workqueue worker as task->comm + "-" +
        // its work's description (kernel/workqueue.c wq_worker_comm) and a kthread by its full name
        // (get_kthread_comm); task->comm itself is the first TASK_COMM_LEN - 1 = 15 characters.
        const taskComm = (comm: string): string => comm.replace(/^(kworker\/[^-]+)-.*$/, '$1').slice(0, 15);
        const expected = Object.fromEntries(truth.processes.map((p) => [p.pid, { tgid: p.tgid, ppid: p.ppid, comm: taskComm(p.comm) }]));
        const actual = Object.fromEntries(truth.processes.map((p) => [p.pid, seen.get(p.pid)]));
        expect(actual).toEqual(expected);
      });
    });
  }
});
