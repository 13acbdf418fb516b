// Making kernel profiles from distribution files: vmlinuz/vmlinux/Image or raw BTF, plus System.map.
export { buildProfile, serializeProfile, debianFlavour, archOfFlavour, releaseFromFileName, type BuildProfileOptions, type BuiltProfile } from './build.js';
export { openKernelFile, scanBanner, type KernelFile } from './kernel-file.js';
export { detectCompression, decompress, unlz4Legacy, lz4Block, MAX_DECOMPRESSED, type Compression } from './compression.js';
export { parseElf, isElf, elfArch, elfBuildId, type ElfFile, type ElfSection } from './elf.js';
export { parseSystemMap, type SystemMapSymbol } from './system-map.js';
export { kernelFactChecker, profileSymbol, type FactChecker } from './facts.js';
