// Synthetic kernel files for the unit tests, written with the same bit-syntax patterns the reader uses:
// a small kernel BTF, ELF vmlinux files (64- and 32-bit), x86 bzImages, arm64 Images.
import { gzipSync } from 'node:zlib';
import { BtfBuilder } from '../btf/builder.js';
import { EM_386, EM_X86_64 } from './elf.js';
import { elf32Header, elf32Shdr, elf64Header, elf64Shdr, elfNoteHeader } from '../../../core/formats/elf.js';
import { arm64ImageHeader, x86SetupHeader, X86_SETUP_HEADER_OFFSET } from './structures.js';

/** A kernel-like BTF: list_head, task_struct (tasks, pid, tgid, comm, flags bit-field), cred, printk_info. */
export function tinyKernelBtf(options: { pointerSize?: 4 | 8; taskSize?: number; commOffset?: number } = {}): Uint8Array {
  const ps = options.pointerSize ?? 8;
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const uint = b.int('unsigned int', 4);
  const char = b.int('char', 1, { signed: true, char: true });
  const ulong = b.int('long unsigned int', ps);
  const pidT = b.typedef('pid_t', int);
  const listFwd = b.fwd('list_head');
  const listPtr = b.ptr(listFwd);
  const list = b.struct('list_head', 2 * ps, [
    { name: 'next', type: listPtr, bitOffset: 0 },
    { name: 'prev', type: listPtr, bitOffset: ps * 8 },
  ]);
  const taskPtr = b.ptr(b.fwd('task_struct'));
  const comm = b.array(char, int, 16);
  const commOffset = options.commOffset ?? 64;
  const anon = b.struct('', 8, [{ name: 'pid', type: pidT, bitOffset: 0 }, { name: 'tgid', type: pidT, bitOffset: 32 }]);
  const task = b.struct('task_struct', options.taskSize ?? 256, [
    { name: 'flags', type: uint, bitOffset: 0 },
    { name: 'tasks', type: list, bitOffset: 64 },
    { name: '', type: anon, bitOffset: 32 * 8 },
    { name: 'comm', type: comm, bitOffset: commOffset * 8 },
    { name: 'real_parent', type: taskPtr, bitOffset: 96 * 8 },
    { name: 'exit_state', type: uint, bitOffset: 104 * 8 + 3, bitfieldSize: 5 },
  ], true);
  void task;
  b.struct('cred', 16, [{ name: 'uid', type: uint, bitOffset: 4 * 8 }, { name: 'gid', type: uint, bitOffset: 8 * 8 }]);
  b.struct('printk_info', 88, [{ name: 'seq', type: ulong, bitOffset: 0 }, { name: 'text_len', type: b.int('short unsigned int', 2), bitOffset: 16 * 8 }]);
  return b.build();
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

export interface ElfSectionSpec {
  name: string;
  addr?: bigint;
  data: Uint8Array;
  type?: number;
}

/** An ELF file (ET_EXEC) with these sections (after the null section; .shstrtab added last). */
export function elfFile(bits: 32 | 64, machine: number, sections: readonly ElfSectionSpec[]): Uint8Array {
  const names = ['', ...sections.map((s) => s.name), '.shstrtab'];
  const strtab: number[] = [];
  const nameOff = names.map((n) => {
    const off = strtab.length;
    for (const c of n) strtab.push(c.charCodeAt(0));
    strtab.push(0);
    return off;
  });
  const ehsize = bits === 64 ? 64 : 52;
  const shentsize = bits === 64 ? 64 : 40;
  const all: ElfSectionSpec[] = [...sections, { name: '.shstrtab', data: Uint8Array.from(strtab), type: 3 }];
  let pos = ehsize;
  const placed = all.map((s) => {
    pos = align(pos, 8);
    const at = pos;
    pos += s.data.length;
    return at;
  });
  const shoff = align(pos, 8);
  const out = new Uint8Array(shoff + (all.length + 1) * shentsize);
  const ehdr = (bits === 64 ? elf64Header : elf32Header).build({
    ei_class: bits === 64 ? 2 : 1, ei_data: 1, ei_version: 1,
    e_type: 2, e_machine: machine, e_version: 1, e_entry: bits === 64 ? 0n : 0, e_phoff: bits === 64 ? 0n : 0, e_shoff: bits === 64 ? BigInt(shoff) : shoff,
    e_flags: 0, e_ehsize: ehsize, e_phentsize: 0, e_phnum: 0, e_shentsize: shentsize, e_shnum: all.length + 1, e_shstrndx: all.length,
  } as never);
  out.set(ehdr, 0);
  all.forEach((s, i) => {
    out.set(s.data, placed[i]);
    const fields = { sh_name: nameOff[i + 1], sh_type: s.type ?? 1, sh_flags: 0, sh_addr: s.addr ?? 0n, sh_offset: placed[i], sh_size: s.data.length, sh_link: 0, sh_info: 0, sh_addralign: 1, sh_entsize: 0 };
    const hdr = bits === 64
      ? elf64Shdr.build({ ...fields, sh_flags: 0n, sh_addr: fields.sh_addr, sh_offset: BigInt(fields.sh_offset), sh_size: BigInt(fields.sh_size), sh_addralign: 1n, sh_entsize: 0n } as never)
      : elf32Shdr.build({ ...fields, sh_addr: Number(fields.sh_addr) } as never);
    out.set(hdr, shoff + (i + 1) * shentsize);
  });
  return out;
}

/** A GNU build-id note (owner "GNU", NT_GNU_BUILD_ID). */
export function buildIdNote(id: Uint8Array): Uint8Array {
  const head = elfNoteHeader.build({ n_namesz: 4, n_descsz: id.length, n_type: 3 });
  const out = new Uint8Array(12 + 4 + align(id.length, 4));
  out.set(head, 0);
  out.set([0x47, 0x4e, 0x55, 0], 12);
  out.set(id, 16);
  return out;
}

export const BANNER = 'Linux version 6.1.0-99-amd64 (builder@example) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.999-1 (2026-01-01)';

/** A vmlinux (ELF64 x86_64 or ELF32 i386) with .BTF, .rodata holding the banner at RODATA, and a build id. */
export const RODATA = 0xffffffff82000000n;
export function vmlinux(bits: 32 | 64 = 64, btf = tinyKernelBtf({ pointerSize: bits === 64 ? 8 : 4 })): Uint8Array {
  const rodata = new Uint8Array(512);
  rodata.set(Buffer.from('Linux version %s (format string)\0' + BANNER + '\n\0', 'latin1'), 0);
  return elfFile(bits, bits === 64 ? EM_X86_64 : EM_386, [
    { name: '.text', addr: bits === 64 ? 0xffffffff81000000n : 0xc1000000n, data: new Uint8Array(64) },
    { name: '.rodata', addr: bits === 64 ? RODATA : 0xc2000000n, data: rodata },
    { name: '.BTF', data: btf },
    { name: '.notes', data: buildIdNote(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4])) },
  ]);
}

/** An x86 bzImage around `payload` (already compressed, size trailer included). */
export function bzImage(payload: Uint8Array): Uint8Array {
  const setupSects = 3;
  const start = (setupSects + 1) * 512;
  const out = new Uint8Array(start + 0x100 + payload.length);
  const header = x86SetupHeader.build({ setup_sects: setupSects, root_flags: 1, syssize: 0, ram_size: 0, vid_mode: 0xffff, root_dev: 0, jump: 0x66eb, version: 0x20f, payload_offset: 0x100, payload_length: payload.length });
  out.set(header, X86_SETUP_HEADER_OFFSET);
  out.set(payload, start + 0x100);
  return out;
}

/** gzip of `data` with the kernel's 4-byte uncompressed-size trailer. */
export function gzipPayload(data: Uint8Array): Uint8Array {
  const gz = gzipSync(data);
  const out = new Uint8Array(gz.length + 4);
  out.set(gz, 0);
  new DataView(out.buffer).setUint32(gz.length, data.length, true);
  return out;
}

/** An arm64 Image: the 64-byte header, the banner at 0x1000, BTF at 0x2000. */
export function arm64Image(btf = tinyKernelBtf()): Uint8Array {
  const out = new Uint8Array(0x2000 + btf.length + 64);
  out.set(arm64ImageHeader.build({ code0: 0x91005a4d, code1: 0x14000000, text_offset: 0n, image_size: BigInt(out.length), flags: 10n, res2: 0n, res3: 0n, res4: 0n, res5: 0 }), 0);
  out.set(Buffer.from(BANNER.replace('amd64', 'arm64') + '\n\0', 'latin1'), 0x1000);
  out.set(btf, 0x2000);
  return out;
}
