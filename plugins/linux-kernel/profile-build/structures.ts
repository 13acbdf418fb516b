// On-disk headers a kernel image file starts with, as bit-syntax patterns (sizes in bits).
// Sources: linux Documentation/arch/x86/boot.rst and arch/x86/include/uapi/asm/bootparam.h (the
// x86 real-mode setup header of a bzImage), Documentation/arch/arm64/booting.rst (the arm64 Image
// header), include/uapi/linux/elf.h (ELF file and section headers, notes).
import { bitmatch } from '../../../core/bitsyntax/index.js';

/** struct setup_header from offset 0x1f1 of a bzImage up to payload_length (boot protocol 2.08+). */
export const x86SetupHeader = bitmatch(`
  setup_sects : 8,
  root_flags : 16 : littleendian,
  syssize : 32 : littleendian,
  ram_size : 16 : littleendian,
  vid_mode : 16 : littleendian,
  root_dev : 16 : littleendian,
  0xaa55 : 16 : littleendian,
  jump : 16 : littleendian,
  "HdrS" : 32 : string,
  version : 16 : littleendian,
  _ : 512,
  payload_offset : 32 : littleendian,
  payload_length : 32 : littleendian
`);
/** Where x86SetupHeader starts in the file. */
export const X86_SETUP_HEADER_OFFSET = 0x1f1;

/** The 64-byte arm64 Image header. */
export const arm64ImageHeader = bitmatch(`
  code0 : 32 : littleendian,
  code1 : 32 : littleendian,
  text_offset : 64 : littleendian,
  image_size : 64 : littleendian,
  flags : 64 : littleendian,
  res2 : 64 : littleendian,
  res3 : 64 : littleendian,
  res4 : 64 : littleendian,
  "ARM\\x64" : 32 : string,
  res5 : 32 : littleendian
`);

/** e_ident: class (1 = 32-bit, 2 = 64-bit) and data (1 = little-endian). */
export const elfIdent = bitmatch(`
  0x7f454c46 : 32,
  ei_class : 8,
  ei_data : 8,
  ei_version : 8,
  _ : 72
`);

export const elf64Ehdr = bitmatch(`
  _ : 128,
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

export const elf32Ehdr = bitmatch(`
  _ : 128,
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
