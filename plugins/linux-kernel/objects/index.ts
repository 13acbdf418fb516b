// Typed kernel objects read through profile layouts, and list walking.
export { KernelObjects, KObject, readCStringAt, latin1, MAX_STRING } from './reader.js';
export { listForEachEntry, chainForEach, DEFAULT_LIST_CAP, type ListWalk, type ListWalkOptions } from './list.js';
