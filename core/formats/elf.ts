// ELF structures shared by the memory-image containers (QEMU ELF cores) and the profile builder
// (vmlinux), as bit-syntax patterns (sizes in bits). Source: linux include/uapi/linux/elf.h.
// Little-endian only: every supported target (x86, arm64) writes LE ELF files.
import { bitmatch } from '../bitsyntax/index.js';

/** Elf64_Ehdr, e_ident included. */
export const elf64Header = bitmatch(`
  0x7f454c46 : 32,
  ei_class : 8,
  ei_data : 8,
  ei_version : 8,
  _ : 72,
  e_type : 16 : littleendian,
  e_machine : 16 : littleendian,
  e_version : 32 : littleendian,
  e_entry : 64 : littleendian,
  e_phoff : 64 : littleendian,
  e_shoff : 64 : littleendian,
  e_flags : 32 : littleendian,
  e_ehsize : 16 : littleendian,
  e_phentsize : 16 : littleendian,
  e_phnum : 16 : littleendian,
  e_shentsize : 16 : littleendian,
  e_shnum : 16 : littleendian,
  e_shstrndx : 16 : littleendian
`);

export const elf32Header = bitmatch(`
  0x7f454c46 : 32,
  ei_class : 8,
  ei_data : 8,
  ei_version : 8,
  _ : 72,
  e_type : 16 : littleendian,
  e_machine : 16 : littleendian,
  e_version : 32 : littleendian,
  e_entry : 32 : littleendian,
  e_phoff : 32 : littleendian,
  e_shoff : 32 : littleendian,
  e_flags : 32 : littleendian,
  e_ehsize : 16 : littleendian,
  e_phentsize : 16 : littleendian,
  e_phnum : 16 : littleendian,
  e_shentsize : 16 : littleendian,
  e_shnum : 16 : littleendian,
  e_shstrndx : 16 : littleendian
`);

export const elf64Phdr = bitmatch(`
  p_type : 32 : littleendian,
  p_flags : 32 : littleendian,
  p_offset : 64 : littleendian,
  p_vaddr : 64 : littleendian,
  p_paddr : 64 : littleendian,
  p_filesz : 64 : littleendian,
  p_memsz : 64 : littleendian,
  p_align : 64 : littleendian
`);

export const elf32Phdr = bitmatch(`
  p_type : 32 : littleendian,
  p_offset : 32 : littleendian,
  p_vaddr : 32 : littleendian,
  p_paddr : 32 : littleendian,
  p_filesz : 32 : littleendian,
  p_memsz : 32 : littleendian,
  p_flags : 32 : littleendian,
  p_align : 32 : littleendian
`);

export const elf64Shdr = bitmatch(`
  sh_name : 32 : littleendian,
  sh_type : 32 : littleendian,
  sh_flags : 64 : littleendian,
  sh_addr : 64 : littleendian,
  sh_offset : 64 : littleendian,
  sh_size : 64 : littleendian,
  sh_link : 32 : littleendian,
  sh_info : 32 : littleendian,
  sh_addralign : 64 : littleendian,
  sh_entsize : 64 : littleendian
`);

export const elf32Shdr = bitmatch(`
  sh_name : 32 : littleendian,
  sh_type : 32 : littleendian,
  sh_flags : 32 : littleendian,
  sh_addr : 32 : littleendian,
  sh_offset : 32 : littleendian,
  sh_size : 32 : littleendian,
  sh_link : 32 : littleendian,
  sh_info : 32 : littleendian,
  sh_addralign : 32 : littleendian,
  sh_entsize : 32 : littleendian
`);

/** Elf_Nhdr; the name and descriptor follow, each padded to 4 bytes. */
export const elfNoteHeader = bitmatch(`
  n_namesz : 32 : littleendian,
  n_descsz : 32 : littleendian,
  n_type : 32 : littleendian
`);

/** e_ident: class (1 = 32-bit, 2 = 64-bit) and data (1 = little-endian). */
export const elfIdent = bitmatch(`
  0x7f454c46 : 32,
  ei_class : 8,
  ei_data : 8,
  ei_version : 8,
  _ : 72
`);
