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

