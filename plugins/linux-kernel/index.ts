// Linux kernel facts from guest memory with no prepared profile: locate the kernel, translate its
// addresses, read its utsname. kallsyms/ and btf/ (beside this file) recover symbols and types.
export { locateKernel, vmcoreinfoNotesInRam, DEFAULT_RAW_BASES, type LocateOptions } from './locate.js';
export { readUname, unameByScan, type UnameResult, type UnameReport } from './uname.js';
export { parseVmcoreinfo, parseBase0, noteTextAt } from './vmcoreinfo.js';
export { parseBanner, bannerCandidates, chooseBanner, type BannerCandidate } from './banner.js';
export { parseUtsname, utsnameCandidates, newUtsname, type UtsName } from './utsname.js';
export { LinuxKernelContext } from './context.js';
export { PagedVirtualMemory } from './paging/paged-memory.js';
export { x86_64Scheme, i386PaeScheme, i386Scheme, aarch64Scheme, type PagingScheme } from './paging/scheme.js';
export { scanPhysical } from './scan.js';
