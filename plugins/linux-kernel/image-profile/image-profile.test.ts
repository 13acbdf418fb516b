// Profiles from BTF: only the views' structs and fields are kept, anonymous members flattened,
// bit-fields described, and the written document loads through the profile registry's validator.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KernelContext } from '../../../core/memory/kernel.js';
import { loadProfileFile } from '../../../core/profiles/registry.js';
import { BtfBuilder } from '../btf/builder.js';
import { parseBtf } from '../btf/index.js';
import { profileFileDocument } from './extract.js';
import { layoutsFromBtf, profileFromBtf, releaseRange } from './from-btf.js';
import { vmcoreinfoFactChecker } from './image.js';

function sampleBtf(): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const uint = b.int('unsigned int', 4);
  const char = b.int('char', 1, { char: true });
  const u8 = b.int('unsigned char', 1);
  const ulong = b.int('long unsigned int', 8);
  const comm = b.array(char, int, 16);
  const listHead = b.fwd('list_head');
  const lh = b.struct('list_head', 16, [
    { name: 'next', type: b.ptr(listHead), bitOffset: 0 },
    { name: 'prev', type: b.ptr(listHead), bitOffset: 64 },
  ]);
  const anon = b.struct('', 8, [
    { name: 'pid', type: int, bitOffset: 0 },
    { name: 'tgid', type: int, bitOffset: 32 },
  ]);
  b.struct('task_struct', 64, [
    { name: '__state', type: uint, bitOffset: 0 },
    { name: 'flags', type: uint, bitOffset: 32 },
    { name: 'tasks', type: lh, bitOffset: 64 },
    { name: '', type: anon, bitOffset: 192 },
    { name: 'comm', type: comm, bitOffset: 256 },
    { name: 'unused_field', type: ulong, bitOffset: 384 },
  ]);
  b.struct('printk_info', 24, [
    { name: 'seq', type: ulong, bitOffset: 0 },
    { name: 'facility', type: u8, bitOffset: 64 },
    { name: 'flags', type: u8, bitOffset: 72, bitfieldSize: 5 },
    { name: 'level', type: u8, bitOffset: 77, bitfieldSize: 3 },
  ], true);
  b.struct('not_needed', 8, [{ name: 'x', type: ulong, bitOffset: 0 }]);
  return b.build();
}

describe('profiles from BTF', () => {
  it('keeps exactly the views structs and fields, anonymous members flattened, bit-fields described', () => {
    const btf = parseBtf(sampleBtf(), { name: 'sample' });
    const layouts = layoutsFromBtf(btf);
    expect(Object.keys(layouts).sort()).toEqual(['list_head', 'printk_info', 'task_struct']);
    expect(layouts.task_struct).toEqual({
      size: 64,
      fields: {
        tasks: { offset: 8, size: 16, type: 'struct list_head' },
        pid: { offset: 24, size: 4, type: 'int' },
        tgid: { offset: 28, size: 4, type: 'int' },
        comm: { offset: 32, size: 16, type: 'char[16]' },
        flags: { offset: 4, size: 4, type: 'unsigned int' },
        __state: { offset: 0, size: 4, type: 'unsigned int' },
      },
    });
    expect(layouts.list_head.fields.prev).toEqual({ offset: 8, size: 8, type: 'struct list_head *' });
    expect(layouts.printk_info.fields.level).toEqual({ offset: 9, size: 1, type: 'unsigned char', bitOffset: 5, bitSize: 3 });
  });

  it('writes a profile document the registry loads', () => {
    const btf = parseBtf(sampleBtf(), { name: 'sample' });
    const profile = profileFromBtf(btf, { release: '6.1.0-56-amd64', arch: 'x86_64', banner: 'Linux version 6.1.0-56-amd64 (x@y) #1 SMP', buildId: 'abc123', symbols: { init_task: '0xffffffff82a1aa40' } });
    expect(profile.origin).toBe('image');
    expect(profile.versions).toBe('6.1.0');
    expect(profile.signature?.facts).toEqual({ 'sizeof(task_struct)': 64, 'sizeof(printk_info)': 24 });
    const dir = mkdtempSync(join(tmpdir(), 'introspect-image-profile-'));
    try {
      const file = join(dir, 'p.json');
      writeFileSync(file, JSON.stringify(profileFileDocument(profile, { name: 'mine' })));
      const loaded = loadProfileFile(file);
      expect(loaded.name).toBe('mine');
      expect(loaded.data.structs?.task_struct.fields.comm.offset).toBe(32);
      expect(loaded.data.symbols).toEqual({ init_task: '0xffffffff82a1aa40' });
      expect(new RegExp(loaded.signature!.banner!).test('Linux version 6.1.0-56-amd64 (x@y) #1 SMP')).toBe(true);
      expect(new RegExp(loaded.signature!.banner!).test('Linux version 6.1.0-56-amd64 (x@y) #2 SMP')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(releaseRange('5.10.0-46-amd64')).toBe('5.10.0');
  });

  it('checks sizeof/offsetof facts against VMCOREINFO where it has them', () => {
    const entries = new Map([['SIZE(printk_info)', '88'], ['OFFSET(printk_info.seq)', '0']]);
    const info = {
      size: (n: string) => (entries.has(`SIZE(${n})`) ? Number(entries.get(`SIZE(${n})`)) : undefined),
      offset: (n: string) => (entries.has(`OFFSET(${n})`) ? Number(entries.get(`OFFSET(${n})`)) : undefined),
    };
    const check = vmcoreinfoFactChecker({ vmcoreinfo: info } as unknown as KernelContext);
    expect(check({ 'sizeof(printk_info)': 88, 'offsetof(printk_info.seq)': 0, 'sizeof(task_struct)': 9792 })).toBeUndefined();
    expect(check({ 'sizeof(printk_info)': 96 })).toBe('sizeof(printk_info) is 88 in the image (VMCOREINFO), the profile says 96');
    expect(vmcoreinfoFactChecker({} as KernelContext)({ 'sizeof(printk_info)': 96 })).toBeUndefined();
  });
});
