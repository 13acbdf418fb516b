// What the corpus guest prints on its serial console, parsed into typed records.
// The printer is the initramfs /init of shared/corpus/mem/*/initrd; the format is described in
// shared/corpus/mem/bookworm-amd64/guest.md: `@@TRUTH-BEGIN@@`, sections introduced by
// `@@SECTION name@@`, `@@TRUTH-END@@`, then `READY`.
// Field positions of /proc/PID/stat: linux fs/proc/array.c do_task_stat(); PF_* flags:
// linux include/linux/sched.h.

export const TRUTH_BEGIN = '@@TRUTH-BEGIN@@';
export const TRUTH_END = '@@TRUTH-END@@';
export const READY = 'READY';

/** PF_KTHREAD: the task is a kernel thread. */
export const PF_KTHREAD = 0x0020_0000;
/** PF_WQ_WORKER: a workqueue worker, whose /proc comm gets the current work's description appended. */
export const PF_WQ_WORKER = 0x0000_0020;

export class SerialFormatError extends Error {
  constructor(readonly line: number, reason: string) {
    super(`guest serial line ${line}: ${reason}`);
    this.name = 'SerialFormatError';
  }
}

export interface UnameFields {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
}

export interface SerialProcess {
  pid: number;
  /** The comm field of /proc/PID/stat (for workqueue workers: task comm + "-"/"+" + work description). */
  comm: string;
  state: string;
  ppid: number;
  /** task->flags (stat field 9). */
  flags: number;
  num_threads: number;
  kernelThread: boolean;
  wqWorker: boolean;
  /** From /proc/PID/status: Name, Tgid, PPid, Uid (real, effective, saved, fs), Gid (same), Threads. */
  status: { name: string; tgid: number; ppid: number; uid: number[]; gid: number[]; threads: number };
  /** /proc/PID/cmdline split at NULs (the final NUL terminates the last argument). */
  argv: string[];
  cmdlineBytes: number;
}

export interface SysNetInterface {
  name: string;
  ifindex: number;
  mtu: number;
  address: string;
  flags: number;
  operstate: string;
}

export interface IpAddress {
  address: string;
  prefixLength: number;
  scope: string;
}

/** One interface of busybox `ip addr`. */
export interface IpInterface {
  index: number;
  name: string;
  flags: string[];
  mtu: number;
  linkType: string;
  mac: string;
  ipv4: IpAddress[];
  ipv6: IpAddress[];
}

/** One record of /dev/kmsg (linux kernel/printk/printk.c info_print_ext_header / msg_print_ext_body). */
export interface KmsgRecord {
  seq: number;
  timestampUs: number;
  level: number;
  facility: number;
  /** As /dev/kmsg prints it: bytes below 0x20, above 0x7e and the backslash as \xNN. */
  text: string;
}

export interface SerialTruth {
  sections: ReadonlyMap<string, readonly string[]>;
  uname: UnameFields;
  /** /proc/version without its newline: the kernel's linux_banner. */
  banner: string;
  processes: SerialProcess[];
  sysNet: SysNetInterface[];
  ipAddr: IpInterface[];
  kmsg: KmsgRecord[];
}

export interface SplitSerial {
  /** Line number (1-based) of each section header, by name. */
  headerLines: ReadonlyMap<string, number>;
  sections: ReadonlyMap<string, readonly string[]>;
  /** `@@TRUTH-END@@` was seen. */
  complete: boolean;
  /** A `READY` line follows `@@TRUTH-END@@`. */
  ready: boolean;
}

function lines(text: string): string[] {
  // The serial console turns \n into \r\n.
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** True once the guest has printed its truth and READY (used while polling the serial file). */
export function serialReady(text: string): boolean {
  const end = text.lastIndexOf(TRUTH_END);
  return end >= 0 && /\nREADY\r?\n/.test(text.slice(end));
}

/** Cut the serial text into its sections (kernel boot messages before `@@TRUTH-BEGIN@@` are ignored). */
export function splitSerial(text: string): SplitSerial {
  const all = lines(text);
  const begin = all.indexOf(TRUTH_BEGIN);
  if (begin < 0) throw new SerialFormatError(all.length, `no ${TRUTH_BEGIN} line`);
  const sections = new Map<string, string[]>();
  const headerLines = new Map<string, number>();
  let current: string[] | undefined;
  let complete = false;
  let ready = false;
  for (let i = begin + 1; i < all.length; i++) {
    const line = all[i];
    if (complete) {
      if (line === READY) ready = true;
      continue;
    }
    if (line === TRUTH_END) {
      complete = true;
      continue;
    }
    const header = /^@@SECTION (.+)@@$/.exec(line);
    if (header) {
      if (sections.has(header[1])) throw new SerialFormatError(i + 1, `section ${header[1]} printed twice`);
      current = [];
      sections.set(header[1], current);
      headerLines.set(header[1], i + 1);
    } else if (current) {
      current.push(line);
    } else if (line !== '') {
      throw new SerialFormatError(i + 1, 'text before the first section');
    }
  }
  return { headerLines, sections, complete, ready };
}

function intOf(text: string | undefined, line: number, what: string): number {
  if (text === undefined || !/^-?\d+$/.test(text)) throw new SerialFormatError(line, `${what}: not an integer: ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new SerialFormatError(line, `${what}: out of range: ${text}`);
  return n;
}

export function parseUnameFields(section: readonly string[], firstLine = 1): UnameFields {
  const fields = new Map<string, string>();
  section.forEach((line, i) => {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new SerialFormatError(firstLine + i, `uname-fields: no key=value: ${JSON.stringify(line)}`);
    fields.set(line.slice(0, eq), line.slice(eq + 1));
  });
  const get = (key: keyof UnameFields): string => {
    const v = fields.get(key);
    if (v === undefined) throw new SerialFormatError(firstLine, `uname-fields: no ${key}`);
    return v;
  };
  return { sysname: get('sysname'), nodename: get('nodename'), release: get('release'), version: get('version'), machine: get('machine') };
}

function hexBytes(hex: string, line: number): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new SerialFormatError(line, 'CMDLINE-HEX: not hex');
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** /proc/PID/cmdline bytes as argv: NUL-separated, the last NUL ends the last argument. */
export function argvOfCmdline(bytes: Uint8Array): string[] {
  if (bytes.length === 0) return [];
  const text = new TextDecoder('utf-8').decode(bytes);
  const parts = text.split('\0');
  if (text.endsWith('\0')) parts.pop();
  return parts;
}

/** `pid (comm) state ppid ...`: comm runs from the first "(" to the last ")" (it may hold spaces and parentheses). */
export function parseStat(stat: string, line: number): { pid: number; comm: string; state: string; ppid: number; flags: number; num_threads: number } {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) throw new SerialFormatError(line, 'STAT: no (comm)');
  const pid = intOf(stat.slice(0, open).trim(), line, 'STAT pid');
  const rest = stat.slice(close + 1).trim().split(/\s+/);
  // rest[0] = state (field 3), rest[1] = ppid (4), rest[6] = flags (9), rest[17] = num_threads (20)
  if (rest.length < 18) throw new SerialFormatError(line, `STAT: ${rest.length + 2} fields, expected at least 20`);
  return {
    pid,
    comm: stat.slice(open + 1, close),
    state: rest[0],
    ppid: intOf(rest[1], line, 'STAT ppid'),
    flags: intOf(rest[6], line, 'STAT flags'),
    num_threads: intOf(rest[17], line, 'STAT num_threads'),
  };
}

/** The procwalk section: blocks PROC pid / STAT / STATUS... / CMDLINE-HEX / END-PROC. */
export function parseProcwalk(section: readonly string[], firstLine = 1): SerialProcess[] {
  const out: SerialProcess[] = [];
  let block: { pid: number; line: number; stat?: ReturnType<typeof parseStat>; status: Map<string, string[]>; cmdline?: Uint8Array } | undefined;
  section.forEach((line, i) => {
    const n = firstLine + i;
    if (line === '') return;
    const space = line.indexOf(' ');
    const tag = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (tag === 'PROC') {
      if (block) throw new SerialFormatError(n, `PROC ${block.pid} has no END-PROC`);
      block = { pid: intOf(value, n, 'PROC'), line: n, status: new Map() };
      return;
    }
    if (!block) throw new SerialFormatError(n, `${tag} outside a PROC block`);
    switch (tag) {
      case 'STAT':
        block.stat = parseStat(value, n);
        if (block.stat.pid !== block.pid) throw new SerialFormatError(n, `STAT pid ${block.stat.pid} in PROC ${block.pid}`);
        break;
      case 'STATUS': {
        const [key, ...values] = value.trim().split(/\s+/);
        if (!key.endsWith(':')) throw new SerialFormatError(n, `STATUS: no key: ${JSON.stringify(value)}`);
        block.status.set(key.slice(0, -1), values);
        break;
      }
      case 'CMDLINE-HEX':
        block.cmdline = hexBytes(value.trim(), n);
        break;
      case 'END-PROC': {
        const { stat, status, cmdline } = block;
        if (!stat) throw new SerialFormatError(n, `PROC ${block.pid} has no STAT`);
        if (!cmdline) throw new SerialFormatError(n, `PROC ${block.pid} has no CMDLINE-HEX`);
        const need = (key: string): string[] => {
          const v = status.get(key);
          if (!v || v.length === 0) throw new SerialFormatError(n, `PROC ${block!.pid} has no STATUS ${key}`);
          return v;
        };
        out.push({
          pid: stat.pid,
          comm: stat.comm,
          state: stat.state,
          ppid: stat.ppid,
          flags: stat.flags,
          num_threads: stat.num_threads,
          kernelThread: (stat.flags & PF_KTHREAD) !== 0,
          wqWorker: (stat.flags & PF_WQ_WORKER) !== 0,
          status: {
            name: need('Name').join(' '),
            tgid: intOf(need('Tgid')[0], n, 'Tgid'),
            ppid: intOf(need('PPid')[0], n, 'PPid'),
            uid: need('Uid').map((v) => intOf(v, n, 'Uid')),
            gid: need('Gid').map((v) => intOf(v, n, 'Gid')),
            threads: intOf(need('Threads')[0], n, 'Threads'),
          },
          argv: argvOfCmdline(cmdline),
          cmdlineBytes: cmdline.length,
        });
        block = undefined;
        break;
      }
      default:
        throw new SerialFormatError(n, `unknown procwalk line ${JSON.stringify(tag)}`);
    }
  });
  if (block) throw new SerialFormatError(block.line, `PROC ${block.pid} has no END-PROC`);
  return out;
}

/** sys-net lines: `name ifindex=N mtu=N address=MAC flags=0xN operstate=...`. */
export function parseSysNet(section: readonly string[], firstLine = 1): SysNetInterface[] {
  const out: SysNetInterface[] = [];
  section.forEach((line, i) => {
    const n = firstLine + i;
    if (line === '') return;
    const m = /^(\S+) ifindex=(\d+) mtu=(\d+) address=(\S*) flags=0x([0-9a-f]+) operstate=(\S+)$/i.exec(line);
    if (!m) throw new SerialFormatError(n, `sys-net: unexpected line ${JSON.stringify(line)}`);
    out.push({
      name: m[1],
      ifindex: intOf(m[2], n, 'ifindex'),
      mtu: intOf(m[3], n, 'mtu'),
      address: m[4].toLowerCase(),
      flags: parseInt(m[5], 16),
      operstate: m[6],
    });
  });
  return out;
}

/** busybox `ip addr` (and `ip -6 addr`) output. */
export function parseIpAddr(section: readonly string[], firstLine = 1): IpInterface[] {
  const out: IpInterface[] = [];
  let current: IpInterface | undefined;
  section.forEach((line, i) => {
    const n = firstLine + i;
    let m: RegExpExecArray | null;
    if ((m = /^(\d+): ([^:@\s]+)(?:@\S+)?: <([^>]*)> mtu (\d+)/.exec(line))) {
      current = { index: intOf(m[1], n, 'ip index'), name: m[2], flags: m[3] ? m[3].split(',') : [], mtu: intOf(m[4], n, 'ip mtu'), linkType: '', mac: '', ipv4: [], ipv6: [] };
      out.push(current);
    } else if ((m = /^\s+link\/(\S+)(?: ([0-9a-f:]+))?/i.exec(line))) {
      if (!current) throw new SerialFormatError(n, 'ip addr: link line before an interface');
      current.linkType = m[1];
      current.mac = (m[2] ?? '').toLowerCase();
    } else if ((m = /^\s+inet ([\d.]+)\/(\d+)(?: brd \S+)? scope (\S+)/.exec(line))) {
      if (!current) throw new SerialFormatError(n, 'ip addr: inet line before an interface');
      current.ipv4.push({ address: m[1], prefixLength: intOf(m[2], n, 'inet prefix'), scope: m[3] });
    } else if ((m = /^\s+inet6 ([0-9a-f:.]+)\/(\d+) scope (\S+)/i.exec(line))) {
      if (!current) throw new SerialFormatError(n, 'ip addr: inet6 line before an interface');
      current.ipv6.push({ address: m[1].toLowerCase(), prefixLength: intOf(m[2], n, 'inet6 prefix'), scope: m[3] });
    } else if (/^\s+valid_lft /.test(line) || line === '') {
      // lifetimes: not compared
    } else {
      throw new SerialFormatError(n, `ip addr: unexpected line ${JSON.stringify(line)}`);
    }
  });
  return out;
}

/**
 * `timeout 1 cat /dev/kmsg`: `prefix,seq,ts_usec,flags[,...];text` per record, where prefix is
 * facility << 3 | level, then dictionary lines starting with a space (skipped). The shell reports
 * the killed cat with a `Terminated` line.
 */
export function parseKmsg(section: readonly string[], firstLine = 1): KmsgRecord[] {
  const out: KmsgRecord[] = [];
  section.forEach((line, i) => {
    const n = firstLine + i;
    if (line === '' || line.startsWith(' ') || line === 'Terminated') return;
    const m = /^(\d+),(\d+),(\d+),[^;]*;(.*)$/.exec(line);
    if (!m) throw new SerialFormatError(n, `kmsg: unexpected line ${JSON.stringify(line)}`);
    const prefix = intOf(m[1], n, 'kmsg prefix');
    out.push({ seq: intOf(m[2], n, 'kmsg seq'), timestampUs: intOf(m[3], n, 'kmsg ts_usec'), level: prefix & 7, facility: prefix >> 3, text: m[4] });
  });
  return out;
}

/** Parse the whole truth block; throws SerialFormatError unless it is complete and well-formed. */
export function parseSerialTruth(text: string): SerialTruth {
  const split = splitSerial(text);
  if (!split.complete) throw new SerialFormatError(lines(text).length, `no ${TRUTH_END} line`);
  const section = (name: string): { body: readonly string[]; first: number } => {
    const body = split.sections.get(name);
    if (!body) throw new SerialFormatError(lines(text).length, `no section ${name}`);
    return { body, first: (split.headerLines.get(name) ?? 0) + 1 };
  };
  const uname = section('uname-fields');
  const version = section('proc-version');
  const banner = version.body.filter((l) => l !== '');
  if (banner.length !== 1) throw new SerialFormatError(version.first, `proc-version: ${banner.length} lines, expected 1`);
  const procwalk = section('procwalk');
  const sysNet = section('sys-net');
  const ipAddr = section('ip-addr');
  const kmsg = section('kmsg');
  return {
    sections: split.sections,
    uname: parseUnameFields(uname.body, uname.first),
    banner: banner[0],
    processes: parseProcwalk(procwalk.body, procwalk.first),
    sysNet: parseSysNet(sysNet.body, sysNet.first),
    ipAddr: parseIpAddr(ipAddr.body, ipAddr.first),
    kmsg: parseKmsg(kmsg.body, kmsg.first),
  };
}
