// ELF vmlinux files: section headers, a section's bytes by name, virtual address -> file offset,
// and the GNU build id note. Source: linux include/uapi/linux/elf.h (Elf32/64_Ehdr, Elf32/64_Shdr,
// Elf_Nhdr), binutils include/elf/common.h (NT_GNU_BUILD_ID = 3, owner "GNU").
import { IntrospectError } from '../../../core/errors.js';
import { elf32Header, elf32Shdr, elf64Header, elf64Shdr, elfIdent, elfNoteHeader } from '../../../core/formats/elf.js';

export const EM_386 = 3;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
const SHT_NOBITS = 8;
const NT_GNU_BUILD_ID = 3;
/** More section headers than any vmlinux has (a few dozen; ~60k with -ffunction-sections before linking). */
const MAX_SECTIONS = 1 << 17;

export interface ElfSection {
  name: string;
  type: number;
  addr: bigint;
  offset: number;
  size: number;
}

export interface ElfFile {
  name: string;
  bits: 32 | 64;
  machine: number;
  sections: ElfSection[];
  section(name: string): ElfSection | undefined;
  /** The bytes of a section (empty for SHT_NOBITS). */
  bytes(section: ElfSection): Uint8Array;
  /** File offset of a virtual address inside a section with file bytes, or undefined. */
  fileOffset(va: bigint): number | undefined;
}

export function isElf(bytes: Uint8Array): boolean {
  return elfIdent.match(bytes, 0) !== undefined;
}

/** Architecture name (as core/profiles normalizeArch spells it) of an ELF e_machine. */
export function elfArch(machine: number): string | undefined {
  return machine === EM_X86_64 ? 'x86_64' : machine === EM_386 ? 'i386' : machine === EM_AARCH64 ? 'aarch64' : undefined;
}

export function parseElf(bytes: Uint8Array, name: string): ElfFile {
  const fail = (structure: string, offset: number, reason: string): never => {
    throw new IntrospectError({ file: name, structure, offset, reason });
  };
  const ident = elfIdent.match(bytes, 0) ?? fail('ELF header', 0, 'no ELF magic');
  if (ident.ei_data !== 1) fail('ELF header e_ident[EI_DATA]', 5, `byte order ${ident.ei_data} is not little-endian (1); big-endian kernels are not supported`);
  if (ident.ei_class !== 1 && ident.ei_class !== 2) fail('ELF header e_ident[EI_CLASS]', 4, `class ${ident.ei_class} is neither 32-bit (1) nor 64-bit (2)`);
  const bits = ident.ei_class === 2 ? 64 : 32;
  const h = bits === 64 ? elf64Header.parse(bytes, 0) : elf32Header.parse(bytes, 0);
  const shoff = Number(h.e_shoff);
  const shdrSize = bits === 64 ? 64 : 40;
  if (h.e_shnum === 0 || shoff === 0) fail('ELF section headers', 0, 'the file has no section headers');
  if (h.e_shnum > MAX_SECTIONS || h.e_shentsize < shdrSize) fail('ELF header e_shnum', 0, `${h.e_shnum} section headers of ${h.e_shentsize} bytes is implausible`);
  if (shoff + h.e_shnum * h.e_shentsize > bytes.length) fail('ELF section headers', shoff, `${h.e_shnum} headers run past the end of the ${bytes.length}-byte file`);
  const raw = [];
  for (let i = 0; i < h.e_shnum; i++) {
    const at = shoff + i * h.e_shentsize;
    const s = bits === 64 ? elf64Shdr.parse(bytes, at) : elf32Shdr.parse(bytes, at);
    const offset = Number(s.sh_offset);
    const size = Number(s.sh_size);
    if (s.sh_type !== SHT_NOBITS && offset + size > bytes.length) fail(`ELF section header ${i}`, at, `section bytes [${offset}, ${offset + size}) run past the end of the file`);
    raw.push({ nameOff: s.sh_name, type: s.sh_type, addr: BigInt(s.sh_addr), offset, size });
  }
  const strtab = raw[h.e_shstrndx] ?? fail('ELF header e_shstrndx', 0, `section ${h.e_shstrndx} does not exist`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + strtab.offset, strtab.size).toString('latin1');
  const sections: ElfSection[] = raw.map((s) => {
    const end = text.indexOf('\0', s.nameOff);
    return { name: s.nameOff < text.length ? text.slice(s.nameOff, end < 0 ? undefined : end) : '', type: s.type, addr: s.addr, offset: s.offset, size: s.size };
  });
  return {
    name,
    bits,
    machine: h.e_machine,
    sections,
    section: (n) => sections.find((s) => s.name === n),
    bytes: (s) => (s.type === SHT_NOBITS ? new Uint8Array(0) : bytes.subarray(s.offset, s.offset + s.size)),
    fileOffset(va) {
      for (const s of sections) {
        if (s.type === SHT_NOBITS || s.addr === 0n || va < s.addr || va >= s.addr + BigInt(s.size)) continue;
        return s.offset + Number(va - s.addr);
      }
      return undefined;
    },
  };
}

/** The GNU build id (lower-case hex) from the .notes / .note.gnu.build-id section, if any. */
export function elfBuildId(elf: ElfFile): string | undefined {
  for (const s of elf.sections) {
    if (!s.name.startsWith('.note')) continue;
    const notes = elf.bytes(s);
    let pos = 0;
    while (pos + 12 <= notes.length) {
      const n = elfNoteHeader.parse(notes, pos);
      const nameStart = pos + 12;
      const descStart = nameStart + align4(n.n_namesz);
      const next = descStart + align4(n.n_descsz);
      if (next > notes.length || next <= pos) break;
      const owner = Buffer.from(notes.subarray(nameStart, nameStart + n.n_namesz)).toString('latin1').replace(/\0+$/, '');
      if (owner === 'GNU' && n.n_type === NT_GNU_BUILD_ID) return Buffer.from(notes.subarray(descStart, descStart + n.n_descsz)).toString('hex');
      pos = next;
    }
  }
  return undefined;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
