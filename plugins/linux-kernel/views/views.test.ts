// ps and ifconfig over synthetic memory (a fake kernel with init_task, two processes and their
// argument pages), and the pure pieces: /proc state letters, dev_get_flags, address text.
import { describe, expect, it } from 'vitest';
import { bitmatch } from '../../../core/bitsyntax/index.js';
import type { KernelContext } from '../../../core/memory/kernel.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import type { Profile, StructLayout } from '../../../core/profiles/types.js';
import { fakeVm } from '../kallsyms/test-vm.js';
import { kernelView } from './context.js';
import { devGetFlags, flagNames, formatIpv6, IFF, ipv6Scope } from './ifconfig.js';
import { listProcesses, stateLetter } from './ps.js';
import { psJson, psTree } from './render.js';

describe('state letters (fs/proc/array.c task_state_array)', () => {
  it('maps __state and exit_state bits as the kernel reports them', () => {
    expect(stateLetter(0, 0, '6.1.0-56-amd64')).toBe('R');
    expect(stateLetter(0x1, 0, '6.1.0')).toBe('S');
    expect(stateLetter(0x2, 0, '6.1.0')).toBe('D');
    expect(stateLetter(0x402, 0, '6.1.0')).toBe('I'); // TASK_IDLE
    expect(stateLetter(0x402, 0, '4.9.0')).toBe('D'); // no I before 4.14
    expect(stateLetter(0x4, 0, '6.1.0')).toBe('T');
    expect(stateLetter(0x8, 0, '6.1.0')).toBe('t');
    expect(stateLetter(0, 0x20, '6.1.0')).toBe('Z');
    expect(stateLetter(0, 0x10, '6.1.0')).toBe('X');
    expect(stateLetter(0x40, 0, '6.1.0')).toBe('P');
    expect(stateLetter(0x1000, 0, '6.1.0')).toBe('D'); // TASK_RTLOCK_WAIT
    expect(stateLetter(0x101, 0, '5.10.0')).toBe('S'); // TASK_WAKEKILL | TASK_INTERRUPTIBLE
  });
});

describe('interface flags and addresses', () => {
  it('dev_get_flags: RUNNING and LOWER_UP from the link state, named as iproute2 does', () => {
    const state = 1n; // __LINK_STATE_START, carrier on
    const v = devGetFlags(IFF.UP | IFF.LOOPBACK | IFF.RUNNING, 0, state, 0);
    expect(v).toBe(IFF.UP | IFF.LOOPBACK | IFF.RUNNING | IFF.LOWER_UP);
    expect(flagNames(v)).toEqual(['LOOPBACK', 'UP', 'LOWER_UP']);
    expect(flagNames(devGetFlags(IFF.UP | IFF.BROADCAST | IFF.NOARP, 0, 1n, 0))).toEqual(['BROADCAST', 'NOARP', 'UP', 'LOWER_UP']);
    // Up without carrier: NO-CARRIER, no LOWER_UP.
    expect(flagNames(devGetFlags(IFF.UP | IFF.BROADCAST | IFF.MULTICAST, IFF.PROMISC, 0b101n, 2))).toEqual(['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'PROMISC', 'UP']);
    expect(flagNames(devGetFlags(IFF.BROADCAST, 0, 0n, 2))).toEqual(['BROADCAST']);
  });

  it('IPv6 text as inet_ntop writes it', () => {
    const a = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/:/g, ''), 'hex'));
    expect(formatIpv6(a('0000:0000:0000:0000:0000:0000:0000:0001'))).toBe('::1');
    expect(formatIpv6(a('fd00:0000:0000:0000:0000:0000:0000:1234'))).toBe('fd00::1234');
    expect(formatIpv6(a('fe80:0000:0000:0000:f08f:cdff:feaa:cd03'))).toBe('fe80::f08f:cdff:feaa:cd03');
    expect(formatIpv6(a('2001:0db8:0000:0001:0000:0000:0000:0001'))).toBe('2001:db8:0:1::1');
    expect(formatIpv6(a('2001:0db8:0000:0000:0001:0000:0000:0001'))).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(a('0000:0000:0000:0000:0000:ffff:0a0b:0c0d'))).toBe('::ffff:10.11.12.13');
    expect(formatIpv6(a('0000:0000:0000:0000:0000:0000:0000:0000'))).toBe('::');
    expect(formatIpv6(a('2001:0db8:0000:0001:0001:0001:0001:0000'))).toBe('2001:db8:0:1:1:1:1:0');
    expect([0x10, 0x20, 0x40, 0].map(ipv6Scope)).toEqual(['host', 'link', 'site', 'global']);
  });
});

describe('ps over a synthetic kernel', () => {
  const BASE = 0xffff888000000000n;
  const f = (offset: number, size: number) => ({ offset, size });
  const layouts: Record<string, StructLayout> = {
    list_head: { size: 16, fields: { next: f(0, 8), prev: f(8, 8) } },
    task_struct: {
      size: 128,
      fields: {
        __state: f(0, 4), flags: f(4, 4), pid: f(8, 4), tgid: f(12, 4), tasks: f(16, 16), real_parent: f(32, 8), real_cred: f(40, 8), mm: f(48, 8), signal: f(56, 8),
        comm: { offset: 64, size: 16, type: 'char[16]' }, exit_state: f(80, 4), thread_group: f(88, 16),
      },
    },
    cred: { size: 16, fields: { uid: f(0, 4), gid: f(4, 4) } },
    mm_struct: { size: 32, fields: { pgd: f(0, 8), arg_start: f(8, 8), arg_end: f(16, 8) } },
    signal_struct: { size: 8, fields: { nr_threads: f(0, 4) } },
  };
  const task = bitmatch(`
    state : 32 : littleendian, flags : 32 : littleendian, pid : 32 : littleendian, tgid : 32 : littleendian,
    next : 64 : littleendian, prev : 64 : littleendian, real_parent : 64 : littleendian, real_cred : 64 : littleendian,
    mm : 64 : littleendian, signal : 64 : littleendian, comm : 128 : bitstring, exit_state : 32 : littleendian, _ : 32,
    tg_next : 64 : littleendian, tg_prev : 64 : littleendian`);
  const cred = bitmatch(`uid : 32 : littleendian, gid : 32 : littleendian`);
  const mm = bitmatch(`pgd : 64 : littleendian, arg_start : 64 : littleendian, arg_end : 64 : littleendian`);
  const u32 = bitmatch(`v : 32 : littleendian`);
  const comm = (s: string): Uint8Array => {
    const b = new Uint8Array(16);
    b.set(Buffer.from(s));
    return b;
  };
  const INIT = BASE + 0x1000n;
  const T1 = BASE + 0x1100n;
  const T2 = BASE + 0x1200n;
  const T3 = BASE + 0x1300n;
  const CRED0 = BASE + 0x2000n;
  const CRED1 = BASE + 0x2010n;
  const MM = BASE + 0x2100n;
  const SIG = BASE + 0x2200n;
  const USER = 0x400000n;

  function setup(brokenAfter?: bigint) {
    const kbytes = new Uint8Array(0x4000);
    const ubytes = new Uint8Array(0x2000);
    const put = (at: bigint, b: Uint8Array): void => kbytes.set(b, Number(at - BASE));
    const tasks = [INIT, T1, T2, T3];
    const link = (i: number): bigint => tasks[(i + tasks.length) % tasks.length] + 16n;
    const t = (i: number, fields: { state: number; flags: number; pid: number; parent: bigint; cred: bigint; mm: bigint; name: string }): void =>
      put(tasks[i], task.build({
        state: fields.state, flags: fields.flags, pid: fields.pid, tgid: fields.pid, next: brokenAfter === tasks[i] ? BASE + 0x100000n : link(i + 1), prev: link(i - 1),
        real_parent: fields.parent, real_cred: fields.cred, mm: fields.mm, signal: SIG, comm: comm(fields.name), exit_state: 0, tg_next: tasks[i] + 88n, tg_prev: tasks[i] + 88n,
      }));
    t(0, { state: 0, flags: 0x00200002, pid: 0, parent: INIT, cred: CRED0, mm: 0n, name: 'swapper/0' });
    t(1, { state: 1, flags: 0x00400100, pid: 1, parent: INIT, cred: CRED0, mm: MM, name: 'init' });
    t(2, { state: 0x402, flags: 0x00208040, pid: 2, parent: INIT, cred: CRED0, mm: 0n, name: 'kthreadd' });
    t(3, { state: 1, flags: 0x00400000, pid: 93, parent: T1, cred: CRED1, mm: MM, name: 'sleep' });
    put(CRED0, cred.build({ uid: 0, gid: 0 }));
    put(CRED1, cred.build({ uid: 1000, gid: 1001 }));
    put(SIG, u32.build({ v: 1 }));
    // Arguments straddle a page boundary; the second page is not in the image.
    put(MM, mm.build({ pgd: BASE + 0x3000n, arg_start: USER + 0xff0n, arg_end: USER + 0x1010n }));
    ubytes.set(Buffer.from('/bin/sh\0-c\0abcde'), 0xff0);
    const kvm = fakeVm(kbytes, BASE, 8);
    const uvm = fakeVm(ubytes.subarray(0, 0x1000), USER, 8);
    const kernel = {
      vm: kvm, release: '6.1.0-56-amd64', arch: 'x86_64', virtualShift: 0n, symbolTables: [{ name: 'test', lookup: (n: string) => (n === 'init_task' ? INIT : undefined) }],
      symbol: (n: string) => (n === 'init_task' ? INIT : undefined),
      addressSpace: () => uvm,
      image: { virtualStart: BASE, physicalStart: 0, size: kbytes.length },
    } as unknown as KernelContext;
    const profile: Profile = { kind: 'linux-kernel', name: 'synthetic', versions: '6.1.0', arch: 'x86_64', data: { structs: layouts } };
    return kernelView({ name: 'synthetic.raw' } as PhysicalMemory, kernel, profile);
  }

  it('lists thread-group leaders with ppid, uid, gid, state, kernel-thread flag and args; a missing args page is reported', () => {
    const r = listProcesses(setup(), { threads: true });
    expect(r.warnings).toEqual([]);
    expect(r.initTask.how).toBe('symbol init_task (test)');
    expect(psJson(r.processes)).toEqual({
      processes: [
        {
          pid: 1, ppid: 0, uid: 0, gid: 0, comm: 'init', state: 'S', kernelThread: false, threads: 1, args: ['/bin/sh', '-c', 'abcde'],
          argsNote: `argument page at 0x401000 is not present in the image (unmapped); 16 of 32 bytes read`,
        },
        { pid: 2, ppid: 0, uid: 0, gid: 0, comm: 'kthreadd', state: 'I', kernelThread: true, threads: 1, args: [] },
        {
          pid: 93, ppid: 1, uid: 1000, gid: 1001, comm: 'sleep', state: 'S', kernelThread: false, threads: 1, args: ['/bin/sh', '-c', 'abcde'],
          argsNote: `argument page at 0x401000 is not present in the image (unmapped); 16 of 32 bytes read`,
        },
      ],
    });
    expect(r.processes[0].threadList).toEqual([{ tid: 1, comm: 'init', state: 'S' }]);
    expect(psTree(r.processes)).toBe('     1 /bin/sh -c abcde\n    93   /bin/sh -c abcde\n     2 [kthreadd]\n');
  });

  it('a broken tasks pointer ends the walk with a warning; the processes before it are kept', () => {
    const r = listProcesses(setup(T2));
    expect(r.processes.map((p) => p.pid)).toEqual([1, 2]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^init_task\.tasks: broken pointer: task_struct\.tasks\.next at 0x[0-9a-f]+ is 0xffff888000100000 \(not mapped\); 2 entries read before it$/);
  });
});
