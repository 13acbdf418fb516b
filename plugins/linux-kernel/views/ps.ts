// Processes from memory, as /proc shows them: init_task.tasks walked (linux kernel/fork.c links every
// thread-group leader there), PID = tgid, PPID = real_parent->tgid, uid/gid = real_cred (fs/proc/
// array.c task_state), state letter as fs/proc/array.c task_state_array, name as fs/proc/array.c
// proc_task_name, threads = signal->nr_threads, args from mm->arg_start..arg_end in the process's
// own address space (fs/proc/base.c get_mm_cmdline).

import semver from 'semver';
import { IntrospectError } from '../../../core/errors.js';
import type { VirtualMemory } from '../../../core/memory/virtual.js';
import type { KObject } from '../objects/reader.js';
import { listForEachEntry } from '../objects/list.js';
import { findInitTask, type Anchor } from './anchors.js';
import type { KernelView } from './context.js';

/** include/linux/sched.h */
export const PF_WQ_WORKER = 0x00000020;
export const PF_KTHREAD = 0x00200000;
const TASK_REPORT = 0x7f;
const TASK_NOLOAD = 0x0400;
const TASK_IDLE = 0x0002 | TASK_NOLOAD;
const TASK_RTLOCK_WAIT = 0x1000;
/** /proc/PID/cmdline is read at most this far (the kernel caps argv+envp at a quarter of the stack rlimit). */
export const MAX_ARGS_BYTES = 1 << 21;
/** fs/proc/array.c: char tcomm[64]. */
const TCOMM_LEN = 64;

export interface ThreadRecord {
  tid: number;
  comm: string;
  state: string;
}

export interface ProcessRecord {
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
  comm: string;
  state: string;
  kernelThread: boolean;
  threads: number;
  args: string[];
  /** Set when the arguments could not be read whole (a page not present in the image...). */
  argsNote?: string;
  /** task_struct address. */
  task: bigint;
  /** With threads: every thread of the group (the leader first). */
  threadList?: ThreadRecord[];
}

export interface PsResult {
  processes: ProcessRecord[];
  warnings: string[];
  initTask: Anchor;
}

/**
 * fs/proc/array.c task_state_array indexed by include/linux/sched.h __task_state_index():
 * fls((state | exit_state) & TASK_REPORT), TASK_IDLE reported as I (4.14+), TASK_RTLOCK_WAIT as D (5.15+).
 */
export function stateLetter(state: number, exitState: number, release: string): string {
  const v = semver.coerce(release)?.version ?? '0.0.0';
  const modern = semver.gte(v, '4.14.0');
  // Before 4.14 TASK_REPORT stopped at EXIT_ZOMBIE (0x3f) and task_state_array had 7 entries.
  let bits = (state | exitState) & (modern ? TASK_REPORT : 0x3f);
  if (modern && (state & TASK_IDLE) === TASK_IDLE) bits = TASK_REPORT + 1;
  if (semver.gte(v, '5.15.0') && state === TASK_RTLOCK_WAIT) bits = 0x2;
  const index = bits === 0 ? 0 : 32 - Math.clz32(bits);
  const letters = modern ? 'RSDTtXZPI' : 'RSDTtXZ';
  return letters[index] ?? '?';
}

/** struct kthread of a kernel thread (kernel/kthread.c to_kthread: worker_private 5.17+, set_child_tid before). */
function kthreadOf(task: KObject): KObject | undefined {
  const field = task.has('worker_private') ? 'worker_private' : task.has('set_child_tid') ? 'set_child_tid' : undefined;
  if (!field || !task.objects.hasStruct('kthread')) return undefined;
  return task.deref(field, 'kthread');
}

/** The name /proc/PID/stat shows: comm, a kthread's full_name (5.17+), a workqueue worker's "-desc"/"+desc". */
export function procComm(task: KObject, flags: number): string {
  const comm = task.str('comm');
  try {
    if (flags & PF_WQ_WORKER) {
      const kthread = kthreadOf(task);
      const worker = kthread?.deref('data', 'worker');
      if (worker && worker.ptr('pool') !== 0n) {
        const desc = worker.str('desc');
        if (desc) return (comm + (worker.ptr('current_work') !== 0n ? '+' : '-') + desc).slice(0, TCOMM_LEN - 1);
      }
      return comm;
    }
    if (flags & PF_KTHREAD) {
      const kthread = kthreadOf(task);
      if (kthread?.has('full_name') && kthread.ptr('full_name') !== 0n) return kthread.cstr('full_name', TCOMM_LEN - 1);
    }
  } catch (e) {
    if (!(e instanceof IntrospectError)) throw e;
  }
  return comm;
}

function taskState(task: KObject): number {
  return task.u(task.has('__state') ? '__state' : 'state');
}

/** argv from mm->arg_start..arg_end, page by page; a page missing ends the list with a note. */
export function readArgs(view: KernelView, mm: KObject, pid: number): { args: string[]; note?: string } {
  const start = mm.big('arg_start');
  const end = mm.big('arg_end');
  if (end <= start) return { args: [] };
  let length = Number(end - start);
  let note: string | undefined;
  if (length > MAX_ARGS_BYTES) {
    note = `arguments span ${length} bytes; read the first ${MAX_ARGS_BYTES}`;
    length = MAX_ARGS_BYTES;
  }
  const pgd = mm.ptr('pgd');
  const root = view.kernel.vm.translate(pgd);
  if (root === undefined) return { args: [], note: `mm->pgd 0x${pgd.toString(16)} is not mapped` };
  const space: VirtualMemory = view.kernel.addressSpace(root, `${view.memory.name} [pid ${pid} VA]`);
  const chunks: Uint8Array[] = [];
  let done = 0;
  while (done < length) {
    const at = start + BigInt(done);
    const n = Math.min(length - done, 4096 - Number(at & 0xfffn));
    try {
      chunks.push(space.read(at, n, `pid ${pid} arguments`).slice());
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
      note = `argument page at 0x${(at & ~0xfffn).toString(16)} is not present in the image (${e.reason}); ${done} of ${length} bytes read`;
      break;
    }
    done += n;
  }
  const bytes = Buffer.concat(chunks);
  const parts = bytes.toString('latin1').split('\0');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return note ? { args: parts, note } : { args: parts };
}

function threadsOf(view: KernelView, leader: KObject, warnings: string[]): KObject[] {
  const o = view.objects;
  if (o.has('signal_struct', 'thread_head') && leader.has('thread_node')) {
    const signal = leader.deref('signal', 'signal_struct');
    if (!signal) return [leader];
    const walk = listForEachEntry(o, signal.addressOf('thread_head'), 'task_struct', 'thread_node', { name: `pid ${leader.u('tgid')} signal->thread_head`, cap: 1 << 22 });
    warnings.push(...walk.warnings);
    return walk.entries;
  }
  const walk = listForEachEntry(o, leader.addressOf('thread_group'), 'task_struct', 'thread_group', { name: `pid ${leader.u('tgid')} thread_group`, cap: 1 << 22 });
  warnings.push(...walk.warnings);
  return [leader, ...walk.entries];
}

export interface PsOptions {
  threads?: boolean;
}

export function listProcesses(view: KernelView, options: PsOptions = {}): PsResult {
  const initTask = findInitTask(view);
  const o = view.objects;
  const warnings: string[] = [];
  const init = o.at('task_struct', initTask.address);
  const walk = listForEachEntry(o, init.addressOf('tasks'), 'task_struct', 'tasks', { name: 'init_task.tasks' });
  warnings.push(...walk.warnings);
  const processes: ProcessRecord[] = [];
  for (const task of walk.entries) {
    try {
      processes.push(processRecord(view, task, options, warnings));
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
      warnings.push(`task_struct at 0x${task.address.toString(16)}: ${e.message}`);
    }
  }
  return { processes, warnings, initTask };
}

function processRecord(view: KernelView, task: KObject, options: PsOptions, warnings: string[]): ProcessRecord {
  const flags = task.u('flags');
  const pid = task.u('tgid');
  const parent = task.deref('real_parent', 'task_struct');
  const cred = task.deref(task.has('real_cred') ? 'real_cred' : 'cred', 'cred');
  const mm = task.deref('mm', 'mm_struct');
  const kernelThread = (flags & PF_KTHREAD) !== 0;
  const signal = task.deref('signal', 'signal_struct');
  let args: string[] = [];
  let argsNote: string | undefined;
  if (mm && !kernelThread) {
    try {
      const r = readArgs(view, mm, pid);
      args = r.args;
      argsNote = r.note;
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
      argsNote = `arguments not read: ${e.reason}`;
    }
  }
  const record: ProcessRecord = {
    pid,
    ppid: parent ? parent.u('tgid') : 0,
    uid: cred ? cred.u('uid') : 0,
    gid: cred ? cred.u('gid') : 0,
    comm: procComm(task, flags),
    state: stateLetter(taskState(task), task.has('exit_state') ? task.u('exit_state') : 0, view.kernel.release),
    kernelThread,
    threads: signal && signal.has('nr_threads') ? signal.u('nr_threads') : 1,
    args,
    task: task.address,
  };
  if (argsNote) record.argsNote = argsNote;
  if (options.threads) {
    record.threadList = threadsOf(view, task, warnings).map((t) => {
      const f = t.u('flags');
      return { tid: t.u('pid'), comm: procComm(t, f), state: stateLetter(taskState(t), t.has('exit_state') ? t.u('exit_state') : 0, view.kernel.release) };
    });
  }
  return record;
}
