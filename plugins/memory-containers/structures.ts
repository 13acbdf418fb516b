// On-disk structures of memory-image containers, as bit-syntax patterns (sizes in bits).
// Sources: linux include/uapi/linux/elf.h (ELF core), qemu include/sysemu/dump.h and dump/dump.c
// (QEMUCPUState note, kdump-compressed headers, flattened format), makedumpfile diskdump_mod.h,
// LiME src/lime.h.
import { bitmatch } from '../../core/bitsyntax/index.js';

/** qemu QEMUCPUState (target/i386/arch_dump.c): version, size, 16 GPRs, rip, rflags, 10 segments, cr[5]. */
export const qemuCpuState = bitmatch(`
  version : 32 : littleendian,
  size : 32 : littleendian,
  _ : 3072,
  cr0 : 64 : littleendian,
  cr1 : 64 : littleendian,
  cr2 : 64 : littleendian,
  cr3 : 64 : littleendian,
  cr4 : 64 : littleendian
`);

/** makedumpfile flattened format: 4096-byte header starting with this. */
export const makedumpfileHeader = bitmatch(`
  "makedumpfile" : 96 : string,
  _ : 32,
  type : 64,
  version : 64
`);

/** Each flattened record: big-endian offset and size in the rebuilt file, then `size` bytes. */
export const makedumpfileDataHeader = bitmatch(`
  offset : 64 : signed,
  buf_size : 64 : signed
`);

/** struct disk_dump_header (kdump-compressed, little-endian on LE guests). utsname = 6 x 65 bytes. */
export const diskDumpHeader = bitmatch(`
  "KDUMP   " : 64 : string,
  header_version : 32 : littleendian : signed,
  sysname : 520 : string,
  nodename : 520 : string,
  release : 520 : string,
  version : 520 : string,
  machine : 520 : string,
  domainname : 520 : string,
  _ : 48,
  timestamp_sec : 64 : littleendian,
  timestamp_usec : 64 : littleendian,
  status : 32 : littleendian,
  block_size : 32 : littleendian : signed,
  sub_hdr_size : 32 : littleendian : signed,
  bitmap_blocks : 32 : littleendian,
  max_mapnr : 32 : littleendian,
  total_ram_blocks : 32 : littleendian,
  device_blocks : 32 : littleendian,
  written_blocks : 32 : littleendian,
  current_cpu : 32 : littleendian,
  nr_cpus : 32 : littleendian : signed
`);

/** struct kdump_sub_header (64-bit variant written by qemu and makedumpfile). */
export const kdumpSubHeader = bitmatch(`
  phys_base : 64 : littleendian,
  dump_level : 32 : littleendian,
  split : 32 : littleendian,
  start_pfn : 64 : littleendian,
  end_pfn : 64 : littleendian,
  offset_vmcoreinfo : 64 : littleendian,
  size_vmcoreinfo : 64 : littleendian,
  offset_note : 64 : littleendian,
  size_note : 64 : littleendian,
  offset_eraseinfo : 64 : littleendian,
  size_eraseinfo : 64 : littleendian,
  start_pfn_64 : 64 : littleendian,
  end_pfn_64 : 64 : littleendian,
  max_mapnr_64 : 64 : littleendian
`);

/** struct page_desc: where one page's (compressed) data lies. */
export const kdumpPageDesc = bitmatch(`
  offset : 64 : littleendian,
  size : 32 : littleendian,
  flags : 32 : littleendian,
  page_flags : 64 : littleendian
`);

/** LiME range header (src/lime.h): e_addr is inclusive. */
export const limeHeader = bitmatch(`
  0x454d694c : 32,
  version : 32 : littleendian,
  s_addr : 64 : littleendian,
  e_addr : 64 : littleendian,
  _ : 64
`);
