// What `profile build --kernel FILE` accepts, unwrapped to the BTF inside: an x86 bzImage (the
// compressed vmlinux found through the setup header's payload_offset/payload_length, linux
// Documentation/arch/x86/boot.rst), a compressed file (vmlinux.xz, Image.gz), an ELF vmlinux (its
// .BTF section, linux include/asm-generic/vmlinux.lds.h), an arm64 Image (not ELF: BTF found by its
// header magic, linux Documentation/arch/arm64/booting.rst), or raw BTF (pahole --btf_encode_detached).
import { IntrospectError } from '../../../core/errors.js';
import { readBtfHeader } from '../btf/parse.js';
import { findBtf } from '../btf/find.js';
import { bytesWindow } from '../kallsyms/window.js';
import { decompress, detectCompression } from './compression.js';
import { elfArch, elfBuildId, isElf, parseElf, type ElfFile } from './elf.js';
import { arm64ImageHeader, x86SetupHeader, X86_SETUP_HEADER_OFFSET } from './structures.js';

export interface KernelFile {
  /** The BTF blob. */
  btf: Uint8Array;
  /** x86_64, i386, aarch64 when the file says (ELF e_machine, arm64 Image header). */
  arch?: string;
  /** The banner text (without the newline) when found in the image. */
  banner?: string;
  buildId?: string;
  /** Each unwrapping step, for the profile's meta and --explain: "bzImage payload at 16988 (xz)", ... */
  steps: string[];
  /** Maps a link-time virtual address to the bytes there, when the image has them (ELF, arm64 Image + _text). */
  readAt?: (va: bigint, length: number) => Uint8Array | undefined;
}

/** Nesting bound: bzImage -> compressed -> ELF is two levels. */
const MAX_DEPTH = 3;

export async function openKernelFile(bytes: Uint8Array, name: string, options: { textAddress?: bigint; bannerAddress?: bigint } = {}, depth = 0): Promise<KernelFile> {
  if (depth > MAX_DEPTH) throw new IntrospectError({ file: name, structure: 'kernel file', reason: `nested more than ${MAX_DEPTH} levels deep` });
  if (readBtfHeader(bytes) !== undefined) return { btf: bytes, steps: ['raw BTF'] };
  if (isElf(bytes)) return fromElf(parseElf(bytes, name), options);
  const setup = bytes.length > X86_SETUP_HEADER_OFFSET + 0x60 ? x86SetupHeader.match(bytes, X86_SETUP_HEADER_OFFSET) : undefined;
  if (setup) {
    if (setup.version < 0x208) throw new IntrospectError({ file: name, structure: 'bzImage setup header', offset: 0x206, reason: `boot protocol ${setup.version.toString(16)} is older than 2.08 (no payload_offset)` });
    const start = ((setup.setup_sects || 4) + 1) * 512 + setup.payload_offset;
    const end = start + setup.payload_length;
    if (end > bytes.length || setup.payload_length === 0) throw new IntrospectError({ file: name, structure: 'bzImage payload', offset: start, reason: `payload [${start}, ${end}) is outside the ${bytes.length}-byte file` });
    const kind = detectCompression(bytes, start);
    if (!kind) {
      const payload = bytes.subarray(start, end);
      if (isElf(payload)) return prepend(await openKernelFile(payload, name, options, depth + 1), `bzImage payload at ${start} (uncompressed)`);
      throw new IntrospectError({ file: name, structure: 'bzImage payload', offset: start, reason: 'unknown compression (no gzip, bzip2, lzma, xz, lzo, lz4 or zstd magic)' });
    }
    const inner = await decompress(kind, bytes.subarray(start, end), name, true);
    return prepend(await openKernelFile(inner, `${name} [vmlinux]`, options, depth + 1), `bzImage payload at ${start} (${kind}, ${inner.length} bytes)`);
  }
  const kind = detectCompression(bytes);
  if (kind) {
    const inner = await decompress(kind, bytes, name, false);
    return prepend(await openKernelFile(inner, `${name} [${kind}]`, options, depth + 1), `${kind}-compressed (${inner.length} bytes)`);
  }
  if (arm64ImageHeader.match(bytes, 0)) return fromArm64Image(bytes, name, options);
  throw new IntrospectError({ file: name, structure: 'kernel file', offset: 0, reason: 'not raw BTF, an ELF vmlinux, an x86 bzImage, a compressed kernel or an arm64 Image' });
}

function prepend(file: KernelFile, step: string): KernelFile {
  return { ...file, steps: [step, ...file.steps] };
}

function fromElf(elf: ElfFile, options: { bannerAddress?: bigint }): KernelFile {
  const section = elf.section('.BTF');
  if (!section || section.size === 0) {
    throw new IntrospectError({ file: elf.name, structure: 'ELF section .BTF', reason: 'the kernel has no BTF (built without CONFIG_DEBUG_INFO_BTF): make a vmlinux.btf from its debuginfo with pahole --btf_encode_detached and use --btf' });
  }
  const readAt = (va: bigint, length: number): Uint8Array | undefined => {
    const off = elf.fileOffset(va);
    if (off === undefined) return undefined;
    const s = elf.sections.find((x) => x.offset <= off && off + length <= x.offset + x.size);
    return s ? elf.bytes(s).subarray(off - s.offset, off - s.offset + length) : undefined;
  };
  const rodata = elf.section('.rodata') ?? elf.section('.data');
  const banner = bannerAt(readAt, options.bannerAddress) ?? (rodata ? scanBanner(elf.bytes(rodata)) : undefined);
  return {
    btf: elf.bytes(section),
    arch: elfArch(elf.machine),
    banner,
    buildId: elfBuildId(elf),
    steps: [`ELF${elf.bits} vmlinux (e_machine ${elf.machine}), section .BTF (${section.size} bytes)`],
    readAt,
  };
}

function fromArm64Image(bytes: Uint8Array, name: string, options: { textAddress?: bigint; bannerAddress?: bigint }): KernelFile {
  const found = findBtf(bytesWindow(name, bytes), { pointerSize: 8 });
  const text = options.textAddress;
  const readAt = text === undefined ? undefined : (va: bigint, length: number): Uint8Array | undefined => {
    const off = va - text;
    return off >= 0n && off + BigInt(length) <= BigInt(bytes.length) ? bytes.subarray(Number(off), Number(off) + length) : undefined;
  };
  return {
    btf: bytes.subarray(Number(found.address), Number(found.address) + found.size),
    arch: 'aarch64',
    banner: (readAt && bannerAt(readAt, options.bannerAddress)) ?? scanBanner(bytes),
    steps: [`arm64 Image (not ELF), BTF found by its header at file offset ${found.address} (${found.size} bytes)`],
    readAt,
  };
}

const BANNER_PREFIX = 'Linux version ';
/** linux init/version-timestamp.c linux_banner: "Linux version " UTS_RELEASE " (" ... ") #" UTS_VERSION. */
const BANNER_SHAPE = /^Linux version \S+ \(.*\) #\d/;

function bannerAt(readAt: (va: bigint, length: number) => Uint8Array | undefined, address: bigint | undefined): string | undefined {
  if (address === undefined) return undefined;
  const bytes = readAt(address, 512) ?? readAt(address, 256);
  if (!bytes) return undefined;
  const text = Buffer.from(bytes).toString('latin1');
  const banner = text.slice(0, text.indexOf('\0') < 0 ? undefined : text.indexOf('\0'));
  return BANNER_SHAPE.test(banner) ? banner.replace(/\n$/, '') : undefined;
}

/**
 * linux_banner without a symbol table: "Linux version RELEASE (...) ... #N ...\n". Other strings start
 * alike (a format string, a "#"-less copy in init/version-timestamp.c): keep the first with "#digit".
 */
export function scanBanner(bytes: Uint8Array): string | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = buf.indexOf(BANNER_PREFIX); at >= 0; at = buf.indexOf(BANNER_PREFIX, at + 1)) {
    const end = buf.indexOf(0, at);
    const text = buf.subarray(at, end < 0 || end - at > 512 ? at + 512 : end).toString('latin1');
    if (BANNER_SHAPE.test(text) && text.endsWith('\n')) return text.replace(/\n$/, '');
  }
  return undefined;
}
