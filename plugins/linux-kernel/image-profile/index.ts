// Profiles learned from a memory image (its own kallsyms + BTF), or from any BTF file.
export { imageProfile, imageProfilePlugin, linkTimeSymbols, vmcoreinfoFactChecker, IMAGE_PROFILE_PLUGIN, type KernelProfileQuery, type ImageProfileResult } from './image.js';
export { profileFromBtf, layoutsFromBtf, releaseRange, type ProfileFromBtfOptions } from './from-btf.js';
export { profileFileDocument, type ProfileFileDocument } from './extract.js';
export { VIEW_STRUCTS, VIEW_SYMBOLS } from './needs.js';
