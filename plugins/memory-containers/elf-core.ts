// ELF core files of guest memory: qemu dump-guest-memory (dump/dump.c), /proc/vmcore-style cores.
// Physical memory comes from PT_LOAD segments by p_paddr; notes give CPU state and VMCOREINFO.
import { IntrospectError } from '../../core/errors.js';
import type { MemoryOpenRequest, PhysicalMemory } from '../../core/memory/types.js';
import { SegmentedPhysicalMemory, type PhysicalSegment } from '../../core/memory/segmented.js';
import type { Source } from '../../core/source/source.js';
import { cpuStatesFromNotes, parseNotes, vmcoreinfoFromNotes, type ElfNote } from './notes.js';
import { elf32Header, elf32Phdr, elf32Shdr, elf64Header, elf64Phdr, elf64Shdr } from '../../core/formats/elf.js';

const ET_CORE = 4;
const PT_LOAD = 1;
const PT_NOTE = 4;
const PN_XNUM = 0xffff;
const EM_386 = 3;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
/** More program headers than this is not a memory dump (qemu writes one per RAM block). */
const MAX_PHNUM = 1 << 20;
/** Note segments beyond this are refused (they are a few KiB per CPU). */
const MAX_NOTE_BYTES = 64 << 20;

interface ProgramHeader {
  p_type: number;
  p_offset: number;
  p_paddr: number;
  p_filesz: number;
  p_memsz: number;
}

export function isElfCore(file: Source): boolean {
  if (file.size < 52) return false;
  const ident = file.read(0, 20, 'ELF header');
  return ident[0] === 0x7f && ident[1] === 0x45 && ident[2] === 0x4c && ident[3] === 0x46 && ident[16] === ET_CORE && ident[17] === 0;
}

function num(file: Source, value: number | bigint, structure: string, offset: number): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new IntrospectError({ file: file.name, structure, offset, reason: `value ${value} out of range` });
  }
  return n;
}

export function openElfCore(request: MemoryOpenRequest): PhysicalMemory {
  const file = request.source;
  const ident = file.read(0, 16, 'ELF e_ident');
  const is64 = ident[4] === 2;
  if (ident[4] !== 1 && ident[4] !== 2) {
    throw new IntrospectError({ file: file.name, structure: 'ELF e_ident', offset: 4, reason: `unknown ELF class ${ident[4]}` });
  }
  if (ident[5] !== 1) {
    throw new IntrospectError({ file: file.name, structure: 'ELF e_ident', offset: 5, reason: 'big-endian ELF cores are not supported' });
  }
  const headerBytes = file.read(0, is64 ? 64 : 52, 'ELF header');
  const h = is64 ? elf64Header.parse(headerBytes) : elf32Header.parse(headerBytes);
  if (h.e_type !== ET_CORE) {
    throw new IntrospectError({ file: file.name, structure: 'ELF header', offset: 16, reason: `e_type ${h.e_type} is not ET_CORE` });
  }
  const phoff = num(file, h.e_phoff, 'ELF header e_phoff', is64 ? 32 : 28);
  const phentsize = h.e_phentsize;
  const minPhent = is64 ? 56 : 32;
  if (phentsize < minPhent) {
    throw new IntrospectError({ file: file.name, structure: 'ELF header', offset: is64 ? 54 : 42, reason: `e_phentsize ${phentsize} is too small` });
  }
  let phnum = h.e_phnum;
  if (phnum === PN_XNUM) {
    // The real count lives in section header 0's sh_info (linux include/uapi/linux/elf.h, PN_XNUM).
    const shoff = num(file, h.e_shoff, 'ELF header e_shoff', is64 ? 40 : 32);
    const sh = file.read(shoff, is64 ? 64 : 40, 'ELF section header 0 (PN_XNUM)');
    phnum = (is64 ? elf64Shdr.parse(sh) : elf32Shdr.parse(sh)).sh_info;
  }
  if (phnum > MAX_PHNUM || phoff + phnum * phentsize > file.size) {
    throw new IntrospectError({ file: file.name, structure: 'ELF program headers', offset: phoff, reason: `${phnum} program headers do not fit in the file` });
  }
  const table = file.read(phoff, phnum * phentsize, 'ELF program headers');
  const segments: PhysicalSegment[] = [];
  const notes: ElfNote[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    const raw = is64 ? elf64Phdr.parse(table, at) : elf32Phdr.parse(table, at);
    const where = phoff + at;
    const ph: ProgramHeader = {
      p_type: raw.p_type,
      p_offset: num(file, raw.p_offset, `ELF program header ${i} p_offset`, where),
      p_paddr: num(file, raw.p_paddr, `ELF program header ${i} p_paddr`, where),
      p_filesz: num(file, raw.p_filesz, `ELF program header ${i} p_filesz`, where),
      p_memsz: num(file, raw.p_memsz, `ELF program header ${i} p_memsz`, where),
    };
    if (ph.p_offset + ph.p_filesz > file.size) {
      throw new IntrospectError({
        file: file.name,
        structure: `ELF program header ${i}`,
        offset: where,
        reason: `segment data [${ph.p_offset}, +${ph.p_filesz}) goes past the end of the file (size ${file.size}); truncated dump?`,
      });
    }
    if (ph.p_type === PT_LOAD && ph.p_filesz > 0) {
      // Bytes between p_filesz and p_memsz were not dumped: they stay holes, not zeros.
      segments.push({ start: ph.p_paddr, end: ph.p_paddr + ph.p_filesz, source: file, offset: ph.p_offset });
    } else if (ph.p_type === PT_NOTE && ph.p_filesz > 0) {
      if (ph.p_filesz > MAX_NOTE_BYTES) {
        throw new IntrospectError({ file: file.name, structure: `ELF note segment ${i}`, offset: where, reason: `${ph.p_filesz} bytes of notes is implausible` });
      }
      notes.push(...parseNotes(file.read(ph.p_offset, ph.p_filesz, `ELF note segment ${i}`)));
    }
  }
  if (segments.length === 0) {
    throw new IntrospectError({ file: file.name, structure: 'ELF program headers', offset: phoff, reason: 'no PT_LOAD segment: the core holds no memory' });
  }
  const archHint = h.e_machine === EM_X86_64 ? 'x86_64' : h.e_machine === EM_386 ? 'i386' : h.e_machine === EM_AARCH64 ? 'aarch64' : undefined;
  return new SegmentedPhysicalMemory(file.name, 'elf', segments, {
    cpus: cpuStatesFromNotes(notes),
    vmcoreinfo: vmcoreinfoFromNotes(notes),
    archHint,
  });
}
