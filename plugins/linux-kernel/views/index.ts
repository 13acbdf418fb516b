// Guest views from memory (issue 7): processes, kernel log, network devices, the combined report.
export { kernelView, openKernelView, noProfileError, type KernelView, type OpenKernelViewOptions } from './context.js';
export { findInitTask as findInitTaskForViews, networkNamespaces, findPrintkRingbuffer, type Anchor, type NetnsList } from './anchors.js';
export { listProcesses, stateLetter, procComm, readArgs, PF_KTHREAD, PF_WQ_WORKER, type ProcessRecord, type ThreadRecord, type PsResult, type PsOptions } from './ps.js';
export { readDmesg, readPrintkRingbuffer, readPrintkLog, readCharRing, kmsgEscape, type DmesgRecord, type DmesgResult, type PrintkLogBuffer } from './dmesg.js';
export { listInterfaces, devGetFlags, flagNames, formatIpv4, formatIpv6, ipv4Scope, ipv6Scope, IFF, type InterfaceRecord, type IfconfigResult, type Ipv4Address, type Ipv6Address } from './ifconfig.js';
export { psJson, psText, psTree, dmesgJson, dmesgText, dmesgLine, ifconfigJson, ifconfigText } from './render.js';
export { reportMemoryImage, REPORT_DMESG_LINES } from './report.js';
