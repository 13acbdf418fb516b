import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import { SegmentedPhysicalMemory } from '../../../core/memory/segmented.js';
import { readU32 } from '../../../core/memory/virtual.js';
import { BytesSource } from '../../../core/source/derived-sources.js';
import { cpuStatesFromNotes, parseNotes } from '../../../plugins/memory-containers/notes.js';
import { qemuCpuState } from '../../../plugins/memory-containers/structures.js';
import { RawPhysicalMemory } from '../../../plugins/memory-containers/raw.js';
import { locateKernel } from '../../../plugins/linux-kernel/locate.js';
import { readUname } from '../../../plugins/linux-kernel/uname.js';
import { noteTextAt, parseBase0, parseVmcoreinfo } from '../../../plugins/linux-kernel/vmcoreinfo.js';
import { GuestRam, latin1, map, note, type Arch } from './synthetic.js';
import { banner, furnish, hex, RELEASE, VERSION, x86_64Kernel, type Kernel } from './kernels.js';

describe('locating an x86_64 kernel', () => {
  for (const la57 of [false, true]) {
    it(`${la57 ? '5' : '4'}-level: VMCOREINFO from RAM, page tables from init_top_pgt, the kernel's own banner`, () => {
      const k = x86_64Kernel(la57);
      const kernel = locateKernel(new RawPhysicalMemory(new BytesSource('guest.raw', k.ram.bytes)));
      expect(kernel.arch).toBe('x86_64');
      expect(kernel.pagingMode).toBe(la57 ? 'x86_64-5level' : 'x86_64-4level');
      expect(kernel.utsname).toEqual({ sysname: 'Linux', nodename: 'test-guest', release: RELEASE, version: VERSION, machine: 'x86_64', domainname: '(none)' });
      expect(kernel.banner).toBe(banner(VERSION));
      expect(kernel.bannerAddress).toEqual({ physical: k.realBannerPa, virtual: k.textVa + 0x20000n });
      expect(kernel.utsnameAddress.physical).toBe(k.utsPa);
      expect(kernel.pageTableRoot).toBe(k.root);
      expect(kernel.pageTableRootSource).toBe('SYMBOL(init_top_pgt)');
      expect(kernel.virtualShift).toBe(0x200000n);
      expect(kernel.physicalShift).toBe(BigInt(k.textPa) - 0x1000000n);
      expect(kernel.image).toEqual({ virtualStart: k.textVa, physicalStart: k.textPa, size: 0x400000 });
      expect(kernel.vmcoreinfo?.origin).toBe(0xb00000 + 24);
      expect(kernel.directMapBase).toBe(k.dmBase);
      expect(kernel.vm.translate(kernel.directMap(0x123456))).toBe(0x123456);
      expect(kernel.symbol('init_uts_ns')).toBe(k.textVa + 0x280000n);
      kernel.addSymbols({ name: 'test', lookup: (n) => (n === 'extra' ? 1n : undefined) });
      expect(kernel.symbol('extra')).toBe(1n);
      expect(kernel.symbolTables.map((t) => t.name)).toEqual(['vmcoreinfo', 'test']);
    });
  }

  it('takes CR3/CR4 from a QEMU note, clearing the PTI user-PGD bit when the user copy does not map the kernel', () => {
    const k = x86_64Kernel(true);
    const desc = new Uint8Array(0x1b8);
    desc.set(qemuCpuState.build({ version: 1, size: 0x1b8, cr0: 0n, cr1: 0n, cr2: 0n, cr3: BigInt(k.root | 0x1000), cr4: 1n << 12n }));
    const cpus = cpuStatesFromNotes(parseNotes(note('QEMU', 0, desc)));
    const memory = new SegmentedPhysicalMemory('guest.elf', 'elf', [{ start: 0, end: k.ram.size, source: new BytesSource('guest.elf', k.ram.bytes), offset: 0 }], { cpus, archHint: 'x86_64' });
    const kernel = locateKernel(memory);
    expect(kernel.pageTableRoot).toBe(k.root);
    expect(kernel.pageTableRootSource).toBe('CPU 0 CR3 (PTI user bit cleared)');
    expect(kernel.pagingMode).toBe('x86_64-5level');
  });

  it('without VMCOREINFO but with CR3 in the dump, finds the image in the kernel-map region and init_uts_ns in it', () => {
    const k = x86_64Kernel(false, false);
    const desc = new Uint8Array(0x1b8);
    desc.set(qemuCpuState.build({ version: 1, size: 0x1b8, cr0: 0n, cr1: 0n, cr2: 0n, cr3: BigInt(k.root), cr4: 0n }));
    const cpus = cpuStatesFromNotes(parseNotes(note('QEMU', 0, desc)));
    const memory = new SegmentedPhysicalMemory('guest.elf', 'elf', [{ start: 0, end: k.ram.size, source: new BytesSource('guest.elf', k.ram.bytes), offset: 0 }], { cpus, archHint: 'x86_64' });
    const kernel = locateKernel(memory);
    expect(kernel.vmcoreinfo).toBeUndefined();
    expect(kernel.utsname.nodename).toBe('test-guest');
    expect(kernel.utsnameAddress).toEqual({ physical: k.utsPa, virtual: k.textVa + BigInt(k.utsPa - k.textPa) });
    expect(kernel.banner).toBe(banner(VERSION));
    expect(kernel.virtualShift).toBe(0x200000n);
    expect(kernel.physicalShift).toBe(BigInt(k.textPa) - 0x1000000n);
    expect(kernel.pageTableRoot).toBe(k.root);
    expect(kernel.directMapBase).toBe(k.dmBase);
  });

  it('without VMCOREINFO, uname falls back to pairing utsname with a banner of the same release and version', () => {
    const k = x86_64Kernel(false, false);
    const memory = new RawPhysicalMemory(new BytesSource('guest.raw', k.ram.bytes));
    expect(() => locateKernel(memory)).toThrow(IntrospectError);
    const report = readUname(memory);
    expect(report.method).toBe('scan');
    expect(report.uname).toEqual({ sysname: 'Linux', nodename: 'test-guest', release: RELEASE, version: VERSION, machine: 'x86_64', domainname: '(none)', banner: banner(VERSION) });
  });
});

describe('locating an i386 kernel', () => {
  for (const pae of [true, false]) {
    it(pae ? 'PAE (CONFIG_X86_PAE=y), swapper_pg_dir as root' : 'non-PAE 2-level with 4 MiB pages', () => {
      const arch: Arch = pae ? 'pae' : 'i386';
      const ram = new GuestRam(0x2000000, 0, 0x1c00000);
      const textPa = 0x1200000;
      const textVa = 0xc0000000n + BigInt(textPa);
      const root = textPa + 0x300000;
      map(ram, arch, root, 0xc0000000n, 0, 0x2000000, pae ? 0x200000 : 0x400000);
      const vmcoreinfo = [
        `OSRELEASE=${RELEASE}`,
        `SYMBOL(init_uts_ns)=${hex(textVa + 0x280000n)}`,
        'OFFSET(uts_namespace.name)=0',
        `SYMBOL(swapper_pg_dir)=${hex(textVa + 0x300000n)}`,
        `SYMBOL(_stext)=${hex(textVa)}`,
        ...(pae ? ['CONFIG_X86_PAE=y'] : []),
        '',
      ].join('\n');
      const k: Kernel = { ram, textVa, textPa, root, vmcoreinfo, machine: 'i686' };
      const placed = furnish(k, 0x800000, 0);
      const kernel = locateKernel(new RawPhysicalMemory(new BytesSource('guest.raw', ram.bytes)));
      expect(kernel.arch).toBe('i386');
      expect(kernel.pagingMode).toBe(pae ? 'i386-pae' : 'i386-2level');
      expect(kernel.pageTableRoot).toBe(root);
      expect(kernel.utsname.nodename).toBe('test-guest');
      expect(kernel.bannerAddress.physical).toBe(placed.realBannerPa);
      expect(kernel.virtualShift).toBe(0x200000n);
      expect(kernel.physicalShift).toBe(0x200000n);
      expect(kernel.directMapBase).toBe(0xc0000000n);
      expect(kernel.vm.pointerSize).toBe(4);
      expect(readU32(kernel.vm, textVa + 0x20000n)).toBe(0x756e694c); // "Linu"
    });
  }
});

describe('locating an arm64 kernel in a raw file whose RAM starts at 1 GiB', () => {
  it('tries candidate RAM bases and keeps the one where the kernel reads back', () => {
    const base = 0x40000000;
    const ram = new GuestRam(0x1000000, base, 0xc00000);
    const textPa = base + 0x200000;
    const textVa = 0xffffda15ae000000n;
    const modulesEnd = 0xffff800008000000n;
    const kimageVoffset = textVa - BigInt(textPa);
    const root = textPa + 0x300000;
    map(ram, 'arm64-48', root, textVa, textPa, 0x400000, 0x200000);
    map(ram, 'arm64-48', root, 0xffff000000000000n, base, 0x1000000, 0x200000);
    const vmcoreinfo = [
      `OSRELEASE=${RELEASE}`,
      `SYMBOL(init_uts_ns)=${hex(textVa + 0x280000n)}`,
      `SYMBOL(swapper_pg_dir)=${hex(textVa + 0x300000n)}`,
      `SYMBOL(_stext)=${hex(textVa + 0x10000n)}`,
      'NUMBER(VA_BITS)=48',
      `NUMBER(MODULES_END)=0x${hex(modulesEnd)}`,
      `NUMBER(kimage_voffset)=0x${hex(kimageVoffset)}`,
      `NUMBER(PHYS_OFFSET)=0x${hex(BigInt(base))}`,
      'NUMBER(TCR_EL1_T1SZ)=0x10',
      `KERNELOFFSET=${hex(textVa - modulesEnd)}`,
      '',
    ].join('\n');
    const k: Kernel = { ram, textVa, textPa, root, vmcoreinfo, machine: 'aarch64' };
    furnish(k, base + 0x800000, 0);
    const raw = new RawPhysicalMemory(new BytesSource('guest.raw', ram.bytes));
    const kernel = locateKernel(raw);
    expect(kernel.physical.ranges).toEqual([{ start: base, end: base + 0x1000000 }]);
    expect(kernel.arch).toBe('aarch64');
    expect(kernel.utsname.machine).toBe('aarch64');
    expect(kernel.utsname.nodename).toBe('test-guest');
    expect(kernel.pageTableRoot).toBe(root);
    expect(kernel.virtualShift).toBe(textVa - modulesEnd);
    expect(kernel.physicalShift).toBe(0x200000n);
    expect(kernel.image.virtualStart).toBe(textVa);
    expect(kernel.image.physicalStart).toBe(textPa);
    expect(kernel.directMap(base + 0x1234)).toBe(0xffff000000001234n);
    expect(kernel.vm.translate(0xffff000000001234n)).toBe(base + 0x1234);
    expect(kernel.vmcoreinfo?.origin).toBe(base + 0x800000 + 24);
  });
});

describe('VMCOREINFO text', () => {
  it('parses NUMBER with base 0, SYMBOL as hex, SIZE/OFFSET/LENGTH as decimal', () => {
    const info = parseVmcoreinfo('OSRELEASE=1\nSYMBOL(x)=ffffffff81000000\nNUMBER(a)=-551550976\nNUMBER(b)=0x10\nNUMBER(c)=010\nSIZE(page)=64\nOFFSET(page.flags)=0\nLENGTH(zone.free_area)=11\n', 'container');
    expect(info.symbol('x')).toBe(0xffffffff81000000n);
    expect(info.number('a')).toBe(-551550976n);
    expect(info.number('b')).toBe(16n);
    expect(info.number('c')).toBe(8n);
    expect(info.size('page')).toBe(64);
    expect(info.offset('page.flags')).toBe(0);
    expect(info.length('zone.free_area')).toBe(11);
    expect(info.symbol('missing')).toBeUndefined();
    expect(parseBase0('12x')).toBeUndefined();
  });

  it('accepts a note only with n_namesz = 11, n_type = 0 and text starting OSRELEASE=', () => {
    const good = note('VMCOREINFO', 0, latin1('OSRELEASE=1.0\nPAGESIZE=4096\n'));
    expect(noteTextAt(good)).toBe('OSRELEASE=1.0\nPAGESIZE=4096\n');
    const wrongType = note('VMCOREINFO', 1, latin1('OSRELEASE=1.0\n'));
    expect(noteTextAt(wrongType)).toBeUndefined();
    const formatString = latin1('\0\0\0\0\0\0\0\0\0\0\0\0VMCOREINFO\0\0OSRELEASE=%s\n');
    expect(noteTextAt(formatString)).toBeUndefined();
  });
});
