// The kernel objects the views start from: init_task, the network namespaces, the printk ring
// buffer. A symbol table gives them where it can (kallsyms with KALLSYMS_ALL, VMCOREINFO, a profile);
// kernels without data symbols (i386, arm64 Debian builds) get init_task by a layout-guided scan
// (as Volatility 3's automagic/linux.py: "swapper/0" at task_struct.comm, pid 0, a tasks list
// whose neighbours point back) and init_net through init_task.nsproxy->net_ns.

import { IntrospectError } from '../../../core/errors.js';
import { scanPhysical, bytesOf } from '../scan.js';
import type { KObject } from '../objects/reader.js';
import { listForEachEntry } from '../objects/list.js';
import type { KernelView } from './context.js';

export interface Anchor {
  address: bigint;
  /** How it was found, for --explain. */
  how: string;
}

function symbolSource(view: KernelView, name: string): string {
  for (const t of view.kernel.symbolTables) if (t.lookup(name) !== undefined) return t.name;
  return `profile ${view.profile.name}`;
}

/** A plausible init_task: pid 0, tgid 0, comm "swapper...", tasks.next->prev == &tasks. */
export function isInitTask(view: KernelView, task: KObject): boolean {
  try {
    if (task.u('pid') !== 0 || task.u('tgid') !== 0 || !task.str('comm').startsWith('swapper')) return false;
    const head = task.addressOf('tasks');
    const next = view.objects.readPointer(head, 'init_task.tasks.next');
    const prev = view.objects.readPointer(head + BigInt(view.objects.pointerSize), 'init_task.tasks.prev');
    return view.objects.readPointer(next + BigInt(view.objects.pointerSize), 'list_head.prev') === head && view.objects.readPointer(prev, 'list_head.next') === head;
  } catch (e) {
    if (e instanceof IntrospectError) return false;
    throw e;
  }
}

export function findInitTask(view: KernelView): Anchor {
  const sym = view.symbol('init_task');
  if (sym !== undefined) {
    const task = view.objects.at('task_struct', sym);
    if (isInitTask(view, task)) return { address: sym, how: `symbol init_task (${symbolSource(view, 'init_task')})` };
  }
  // "swapper/0" (SMP, set by init_idle) or "swapper" (UP), NUL-padded to TASK_COMM_LEN.
  const comm = view.objects.offsetof('task_struct', 'comm');
  const { image } = view.kernel;
  const window = [{ start: image.physicalStart, end: image.physicalStart + image.size }];
  for (const hit of scanPhysical(view.memory, [bytesOf('swapper/0\0\0\0\0\0\0\0'), bytesOf('swapper\0\0\0\0\0\0\0\0\0')], window)) {
    const va = image.virtualStart + BigInt(hit.address - image.physicalStart) - BigInt(comm);
    const task = view.objects.at('task_struct', va);
    if (isInitTask(view, task)) {
      return {
        address: va,
        how: `scan: "${task.str('comm')}" at task_struct.comm (+${comm}) in the kernel image, physical 0x${hit.address.toString(16)}, pid 0 and a closed tasks list${sym !== undefined ? ' (the symbol init_task did not validate)' : ' (no init_task symbol: kallsyms has no data symbols)'}`,
      };
    }
  }
  throw new IntrospectError({
    file: view.memory.name,
    structure: 'init_task',
    reason: `not found: ${sym !== undefined ? 'the symbol init_task does not hold a valid task and ' : 'no init_task symbol, and '}no "swapper/0" at task_struct.comm (+${comm}) in the kernel image forms a valid task`,
  });
}

export interface NetnsList {
  namespaces: KObject[];
  how: string;
  warnings: string[];
}

/** A struct net whose loopback device points back at it (or whose device list is at least closed). */
function isNet(view: KernelView, net: KObject): boolean {
  try {
    const head = net.addressOf('dev_base_head');
    const next = view.objects.readPointer(head, 'net.dev_base_head.next');
    if (view.objects.readPointer(next + BigInt(view.objects.pointerSize), 'list_head.prev') !== head) return false;
    if (net.has('loopback_dev') && view.objects.has('net_device', 'nd_net')) {
      const lo = net.deref('loopback_dev', 'net_device');
      if (lo && lo.ptr('nd_net') !== net.address) return false;
    }
    return true;
  } catch (e) {
    if (e instanceof IntrospectError) return false;
    throw e;
  }
}

/** Every network namespace: net_namespace_list when known, else the list through init_net.list (init_net from init_task.nsproxy). */
export function networkNamespaces(view: KernelView, initTask?: () => Anchor): NetnsList {
  const listSym = view.symbol('net_namespace_list');
  if (listSym !== undefined) {
    const walk = listForEachEntry(view.objects, listSym, 'net', 'list', { name: 'net_namespace_list' });
    return { namespaces: walk.entries, how: `net_namespace_list (${symbolSource(view, 'net_namespace_list')})`, warnings: walk.warnings };
  }
  let initNet = view.symbol('init_net');
  let how = initNet !== undefined ? `init_net (${symbolSource(view, 'init_net')})` : '';
  if (initNet === undefined) {
    const task = view.objects.at('task_struct', (initTask ?? (() => findInitTask(view)))().address);
    const ns = task.deref('nsproxy', 'nsproxy');
    const net = ns?.ptr('net_ns');
    if (!net) throw new IntrospectError({ file: view.memory.name, structure: 'init_task.nsproxy->net_ns', reason: 'NULL: no network namespace to start from' });
    initNet = net;
    how = 'init_task.nsproxy->net_ns';
  }
  // Walking from an element: the bare list head (net_namespace_list) is one of the nodes; it is not a net.
  const walk = listForEachEntry(view.objects, view.objects.at('net', initNet).addressOf('list'), 'net', 'list', { name: 'net.list from init_net', includeHead: true });
  const namespaces = walk.entries.filter((n) => isNet(view, n));
  return { namespaces, how: `${how}, then net.list (every entry that holds a valid device list)`, warnings: walk.warnings };
}

/** The printk ring buffer in use: *prb (5.10+), a pointer to printk_rb_static or the dynamic one. */
export function findPrintkRingbuffer(view: KernelView): Anchor | undefined {
  const prb = view.symbol('prb');
  if (prb !== undefined) {
    const target = view.objects.readPointer(prb, 'prb');
    return { address: target, how: `*prb (${symbolSource(view, 'prb')})` };
  }
  const stat = view.symbol('printk_rb_static');
  if (stat !== undefined) return { address: stat, how: `printk_rb_static (${symbolSource(view, 'printk_rb_static')}; prb unknown)` };
  return undefined;
}
