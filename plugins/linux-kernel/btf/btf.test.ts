import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import { bytesWindow } from '../kallsyms/window.js';
import { BtfBuilder } from './builder.js';
import { findBtf, parseBtf } from './index.js';

/** A small kernel-like type graph touching every BTF kind. */
function sample(littleEndian = true): { bytes: Uint8Array; ids: Record<string, number> } {
  const b = new BtfBuilder(littleEndian);
  const ids: Record<string, number> = {};
  ids.int = b.int('int', 4, { signed: true });
  ids.uint = b.int('unsigned int', 4);
  ids.ulong = b.int('long unsigned int', 8);
  ids.long = b.int('long int', 8, { signed: true });
  ids.char = b.int('char', 1, { signed: true, char: true });
  ids.bool = b.int('_Bool', 1, { bool: true });
  ids.u64 = b.typedef('u64', ids.ulong);
  ids.pid_t = b.typedef('pid_t', ids.int);
  ids.list_head = b.struct('list_head', 16, []);
  // Forward reference fixed below: members point at the pointer type created next.
  ids.list_head_ptr = b.ptr(ids.list_head);
  ids.list_head2 = b.struct('list_head', 16, [
    { name: 'next', type: ids.list_head_ptr, bitOffset: 0 },
    { name: 'prev', type: ids.list_head_ptr, bitOffset: 64 },
  ]);
  ids.mm_fwd = b.fwd('mm_struct');
  ids.mm_ptr = b.ptr(ids.mm_fwd);
  ids.vlong = b.volatile(ids.long);
  ids.cchar = b.const(ids.char);
  ids.cchar_ptr = b.ptr(ids.cchar);
  ids.rptr = b.restrict(ids.cchar_ptr);
  ids.comm = b.array(ids.char, ids.int, 16);
  ids.row = b.array(ids.ulong, ids.int, 3);
  ids.grid = b.array(ids.row, ids.int, 2);
  ids.rcu = b.typeTag('rcu', ids.u64);
  ids.rcu_ptr = b.ptr(ids.rcu);
  ids.proto = b.funcProto(ids.int, [['a', ids.int], ['', 0]]);
  ids.fn_ptr = b.ptr(ids.proto);
  ids.se = b.struct('sched_entity', 24, [
    { name: 'load', type: ids.ulong, bitOffset: 0 },
    { name: 'vruntime', type: ids.u64, bitOffset: 64 },
    { name: 'weights', type: b.array(ids.uint, ids.int, 2), bitOffset: 128 },
  ]);
  ids.anon_struct = b.struct('', 8, [
    { name: 'pid', type: ids.pid_t, bitOffset: 0 },
    { name: 'tgid', type: ids.pid_t, bitOffset: 32 },
  ]);
  ids.anon_union = b.union('', 8, [
    { name: 'raw', type: ids.u64, bitOffset: 0 },
    { name: '', type: ids.anon_struct, bitOffset: 0 },
  ]);
  ids.task = b.struct(
    'task_struct',
    128,
    [
      { name: '__state', type: ids.vlong, bitOffset: 0 },
      { name: 'flags', type: ids.uint, bitOffset: 64 },
      { name: 'in_execve', type: ids.uint, bitOffset: 96, bitfieldSize: 1 },
      { name: 'in_iowait', type: ids.uint, bitOffset: 97, bitfieldSize: 1 },
      { name: '', type: ids.uint, bitOffset: 98, bitfieldSize: 2 },
      { name: 'restore_sigmask', type: ids.uint, bitOffset: 100, bitfieldSize: 3 },
      { name: 'tasks', type: ids.list_head2, bitOffset: 128 },
      { name: '', type: ids.anon_union, bitOffset: 256 },
      { name: 'name', type: ids.rptr, bitOffset: 320 },
      { name: 'comm', type: ids.comm, bitOffset: 384 },
      { name: 'mm', type: ids.mm_ptr, bitOffset: 512 },
      { name: 'se', type: ids.se, bitOffset: 576 },
      { name: 'cookie', type: ids.rcu_ptr, bitOffset: 768 },
      { name: 'grid', type: ids.grid, bitOffset: 832 },
      { name: 'fn', type: ids.fn_ptr, bitOffset: 832 + 384 },
    ],
    true,
  );
  // Legacy bit-fields (no kind_flag): the member's INT carries the bit offset and width.
  ids.bits3 = b.int('unsigned int', 4, { bits: 3, offset: 2 });
  ids.legacy = b.struct('legacy_bits', 4, [{ name: 'mode', type: ids.bits3, bitOffset: 8 }]);
  ids.pid_type = b.enum('pid_type', 4, [['PIDTYPE_PID', 0], ['PIDTYPE_TGID', 1], ['PIDTYPE_MAX', 4]]);
  ids.neg = b.enum('neg_enum', 4, [['NEG', -5]], true);
  ids.big = b.enum64('big_enum', [['BIG', 0x1_0000_0000n], ['MINUS', -1n]], true);
  ids.float = b.float('double', 8);
  ids.func = b.func('do_exit', b.funcProto(0, [['code', ids.long]]));
  ids.var = b.variable('init_task', ids.task);
  ids.datasec = b.datasec('.data..percpu', 256, [{ type: ids.var, offset: 64, size: 128 }]);
  ids.tag = b.declTag('user', ids.task, 2);
  return { bytes: b.build(), ids };
}

describe('parseBtf: every kind', () => {
  const { bytes, ids } = sample();
  const btf = parseBtf(bytes, { name: 'sample' });

  it('decodes each kind with its trailer', () => {
    expect(btf.count).toBe(Object.keys(ids).length + 2); // two anonymous types built inline
    expect(btf.type(ids.int)).toMatchObject({ kind: 'int', name: 'int', size: 4, signed: true, bits: 32 });
    expect(btf.type(ids.char)).toMatchObject({ kind: 'int', char: true });
    expect(btf.type(ids.bool)).toMatchObject({ kind: 'int', bool: true, signed: false });
    expect(btf.type(ids.comm)).toMatchObject({ kind: 'array', type: ids.char, indexType: ids.int, nelems: 16 });
    expect(btf.type(ids.mm_fwd)).toMatchObject({ kind: 'fwd', name: 'mm_struct', union: false });
    expect(btf.type(ids.rcu)).toMatchObject({ kind: 'type_tag', name: 'rcu', type: ids.u64 });
    expect(btf.type(ids.rptr)).toMatchObject({ kind: 'restrict', type: ids.cchar_ptr });
    expect(btf.type(ids.proto)).toMatchObject({ kind: 'func_proto', type: ids.int, params: [{ name: 'a', type: ids.int }, { name: '', type: 0 }] });
    expect(btf.type(ids.func)).toMatchObject({ kind: 'func', name: 'do_exit', linkage: 1 });
    expect(btf.type(ids.var)).toMatchObject({ kind: 'var', name: 'init_task', type: ids.task, linkage: 1 });
    expect(btf.type(ids.datasec)).toMatchObject({ kind: 'datasec', name: '.data..percpu', size: 256, vars: [{ type: ids.var, offset: 64, size: 128 }] });
    expect(btf.type(ids.float)).toMatchObject({ kind: 'float', name: 'double', size: 8 });
    expect(btf.type(ids.tag)).toMatchObject({ kind: 'decl_tag', name: 'user', type: ids.task, componentIdx: 2 });
    expect(btf.type(ids.pid_type)).toMatchObject({ kind: 'enum', values: [{ name: 'PIDTYPE_PID', value: 0 }, { name: 'PIDTYPE_TGID', value: 1 }, { name: 'PIDTYPE_MAX', value: 4 }] });
    expect(btf.enumValues('neg_enum')?.get('NEG')).toBe(-5);
    expect(btf.enumValues('big_enum')).toEqual(new Map<string, bigint>([['BIG', 0x1_0000_0000n], ['MINUS', -1n]]));
    expect(btf.enumerator('PIDTYPE_MAX')).toBe(4);
    expect(btf.pointerSize).toBe(8);
  });

  it('struct fields: anonymous members flattened, bit-fields, nested paths', () => {
    const t = btf.struct('task_struct')!;
    expect(t.size).toBe(128);
    expect(t.fields.map((f) => f.name)).toEqual(['__state', 'flags', 'in_execve', 'in_iowait', 'restore_sigmask', 'tasks', 'raw', 'pid', 'tgid', 'name', 'comm', 'mm', 'se', 'cookie', 'grid', 'fn']);
    expect(t.field('pid')).toMatchObject({ offset: 32, bitOffset: 256, size: 4, typeName: 'pid_t', depth: 2 });
    expect(t.field('tgid')).toMatchObject({ offset: 36 });
    expect(t.field('restore_sigmask')).toMatchObject({ offset: 12, bitOffset: 100, bitSize: 3, size: 4 });
    expect(t.field('in_iowait')).toMatchObject({ offset: 12, bitOffset: 97, bitSize: 1 });
    expect(btf.offsetof('task_struct', 'pid')).toBe(32);
    expect(btf.offsetof('struct task_struct', 'tasks.prev')).toBe(24);
    expect(btf.offsetof('task_struct', 'comm[3]')).toBe(51);
    expect(btf.offsetof('task_struct', 'se.vruntime')).toBe(80);
    expect(btf.offsetof('task_struct', 'se.weights[1]')).toBe(92);
    expect(btf.offsetof('task_struct', 'grid[1][2]')).toBe(104 + 24 + 16);
    expect(() => btf.offsetof('task_struct', 'in_execve')).toThrow(/bit-field/);
    expect(() => btf.offsetof('task_struct', 'nope')).toThrow(IntrospectError);
    expect(() => btf.offsetof('task_struct', 'flags.x')).toThrow(/not a struct/);
    expect(() => btf.offsetof('no_struct', 'x')).toThrow(/no struct/);
    expect(btf.field('task_struct', 'restore_sigmask')).toMatchObject({ bitOffset: 100, bitSize: 3 });
    const legacy = btf.struct('legacy_bits')!;
    expect(legacy.field('mode')).toMatchObject({ offset: 1, bitOffset: 10, bitSize: 3 });
  });

  it('type names and sizes through typedef/const/volatile/restrict/type_tag chains', () => {
    const t = btf.struct('task_struct')!;
    const names = Object.fromEntries(t.fields.map((f) => [f.name, f.typeName]));
    expect(names).toMatchObject({
      __state: 'volatile long int',
      tasks: 'struct list_head',
      name: 'restrict const char *',
      comm: 'char[16]',
      mm: 'struct mm_struct *',
      cookie: 'u64 *',
      grid: 'long unsigned int[2][3]',
      fn: 'int (*)(int, ...)',
    });
    expect(btf.sizeof('task_struct')).toBe(128);
    expect(btf.sizeof('struct list_head')).toBe(16);
    expect(btf.sizeof('pid_t')).toBe(4);
    expect(btf.sizeof(ids.grid)).toBe(48);
    expect(btf.sizeof(ids.rcu_ptr)).toBe(8);
    expect(t.field('comm')?.size).toBe(16);
    expect(t.field('__state')?.size).toBe(8);
    expect(() => btf.sizeof('mm_struct')).toThrow(/no size/);
    expect(btf.resolve('u64')).toMatchObject({ kind: 'int', name: 'long unsigned int' });
    expect(btf.resolve(ids.rptr).kind).toBe('ptr');
    // The complete list_head wins over the empty one declared first? No: both are complete; first by id.
    expect(btf.find('list_head')?.id).toBe(ids.list_head);
  });

  it('profile layouts', () => {
    const layouts = btf.toStructLayouts(['task_struct', 'struct sched_entity', 'missing']);
    expect(Object.keys(layouts)).toEqual(['task_struct', 'sched_entity']);
    expect(layouts.task_struct.fields.pid).toEqual({ offset: 32, size: 4, type: 'pid_t' });
    expect(layouts.task_struct.fields.restore_sigmask).toEqual({ offset: 12, size: 4, type: 'unsigned int', bitOffset: 4, bitSize: 3 });
    expect(layouts.sched_entity).toEqual({
      size: 24,
      fields: { load: { offset: 0, size: 8, type: 'long unsigned int' }, vruntime: { offset: 8, size: 8, type: 'u64' }, weights: { offset: 16, size: 8, type: 'unsigned int[2]' } },
    });
  });

  it('big-endian BTF parses to the same graph', () => {
    const be = parseBtf(sample(false).bytes);
    expect(be.header.littleEndian).toBe(false);
    expect(be.offsetof('task_struct', 'tgid')).toBe(36);
    expect(be.struct('task_struct')?.field('restore_sigmask')).toMatchObject({ bitOffset: 100, bitSize: 3 });
    expect(be.enumValues('big_enum')?.get('BIG')).toBe(0x1_0000_0000n);
  });
});

describe('parseBtf rejects bad blobs', () => {
  const { bytes } = sample();
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  it('bad magic, version, truncation', () => {
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => parseBtf(bad)).toThrow(/no BTF header/);
    const v2 = bytes.slice();
    v2[2] = 2;
    expect(() => parseBtf(v2)).toThrow(IntrospectError);
    expect(() => parseBtf(bytes.subarray(0, bytes.length - 10))).toThrow(/past the/);
  });
  it('unknown kind, type ids out of range, strings without NUL', () => {
    const kind = bytes.slice();
    view(kind).setUint32(24 + 4, (25 << 24) >>> 0, true);
    expect(() => parseBtf(kind)).toThrow(/unknown kind 25/);
    const b = new BtfBuilder();
    const i = b.int('int', 4);
    b.ptr(i + 100);
    expect(() => parseBtf(b.build())).toThrow(/refers to type 101, but only 2 types exist/);
    const s = bytes.slice();
    s[s.length - 1] = 0x41;
    expect(() => parseBtf(s)).toThrow(/NUL/);
    const vlen = bytes.slice();
    // A struct claiming 0xffff members runs past the type section.
    const h = view(bytes);
    let pos = 24;
    const typeEnd = 24 + h.getUint32(12, true);
    while (pos < typeEnd && ((h.getUint32(pos + 4, true) >>> 24) & 0x1f) !== 4) pos += 12 + (((h.getUint32(pos + 4, true) >>> 24) & 0x1f) === 1 ? 4 : ((h.getUint32(pos + 4, true) >>> 24) & 0x1f) === 3 ? 12 : 0);
    view(vlen).setUint32(pos + 4, ((4 << 24) | 0xffff) >>> 0, true);
    expect(() => parseBtf(vlen)).toThrow(/run past the type section/);
  });
});

describe('findBtf in a memory window', () => {
  const kernel = sample().bytes;
  const small = (() => {
    const b = new BtfBuilder();
    b.struct('bpf_prog_ctx', 8, [{ name: 'x', type: b.int('int', 4), bitOffset: 0 }]);
    return b.build();
  })();
  const mem = new Uint8Array(0x30000);
  mem.set(Uint8Array.from([0x9f, 0xeb, 1, 0, 0x18, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), 0x100); // header with absurd offsets
  mem.set(small, 0x1000);
  mem.set(kernel, 0x10008);

  it('by scan: the largest blob that parses and defines task_struct', () => {
    const found = findBtf(bytesWindow('mem', mem, 0xffff0000n, true));
    expect(found.method).toBe('scan');
    expect(found.address).toBe(0xffff0000n + 0x10008n);
    expect(found.size).toBe(kernel.length);
    expect(found.others).toEqual([{ address: 0xffff1000n, types: 2 }]);
    expect(found.btf.offsetof('task_struct', 'comm')).toBe(48);
  });
  it('between __start_BTF and __stop_BTF', () => {
    const found = findBtf(bytesWindow('mem', mem, 0xffff0000n, true), { start: 0xffff0000n + 0x10008n, stop: 0xffff0000n + 0x10008n + BigInt(kernel.length) });
    expect(found.method).toBe('symbols');
    expect(found.btf.count).toBe(parseBtf(kernel).count);
  });
  it('no BTF at all', () => {
    expect(() => findBtf(bytesWindow('zeros', new Uint8Array(4096)))).toThrow(/no BTF blob/);
  });
});

describe('findInitTask (BTF-guided)', () => {
  it('finds the task whose comm is swapper/0, pid 0, and whose tasks list links back', async () => {
    const { fakeVm } = await import('../kallsyms/test-vm.js');
    const { findInitTask } = await import('./guided.js');
    const btf = parseBtf(sample().bytes);
    const base = 0xffffffff82000000n;
    const mem = new Uint8Array(0x4000);
    const dv = new DataView(mem.buffer);
    const comm = btf.offsetof('task_struct', 'comm');
    const tasks = btf.offsetof('task_struct', 'tasks');
    const put = (task: number, name: string, pid: number, next: number, prev: number): void => {
      for (let i = 0; i < name.length; i++) mem[task + comm + i] = name.charCodeAt(i);
      dv.setInt32(task + btf.offsetof('task_struct', 'pid'), pid, true);
      dv.setBigUint64(task + tasks, base + BigInt(next + tasks), true);
      dv.setBigUint64(task + tasks + 8, base + BigInt(prev + tasks), true);
    };
    put(0x400, 'swapper/0', 5, 0x400, 0x400); // decoy: wrong pid
    put(0x1000, 'swapper/0', 0, 0x2000, 0x3000); // decoy: neighbours do not link back
    put(0x2000, 'swapper/0', 0, 0x3000, 0x3000); // init_task
    put(0x3000, 'init', 1, 0x2000, 0x2000);
    const vm = fakeVm(mem, base, 8);
    expect(findInitTask(bytesWindow('k', mem, base, true), vm, btf)).toBe(base + 0x2000n);
    expect(findInitTask(bytesWindow('k', mem, 0n, false), vm, btf)).toBeUndefined();
    expect(findInitTask(bytesWindow('k', mem.slice(0, 0x1800), base, true), vm, btf)).toBeUndefined();
  });
});
