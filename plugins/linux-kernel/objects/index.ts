// Typed kernel objects read through profile layouts, and list walking.
export { KernelObjects, KObject, MAX_STRING } from './reader.js';
export { listForEachEntry, chainForEach, DEFAULT_LIST_CAP, type ListWalk, type ListWalkOptions } from './list.js';
