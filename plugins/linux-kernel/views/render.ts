// Text and JSON forms of the memory views (the records themselves are built in ps.ts, dmesg.ts,
// ifconfig.ts). JSON shapes are issue 7's: {"processes": [...]}, {"records": [...]}, {"interfaces": [...]}.

import type { DmesgRecord } from './dmesg.js';
import type { InterfaceRecord } from './ifconfig.js';
import type { ProcessRecord } from './ps.js';

export function psJson(processes: readonly ProcessRecord[], threads = false): unknown {
  return {
    processes: processes.map((p) => ({
      pid: p.pid, ppid: p.ppid, uid: p.uid, gid: p.gid, comm: p.comm, state: p.state, kernelThread: p.kernelThread, threads: p.threads, args: p.args,
      ...(p.argsNote ? { argsNote: p.argsNote } : {}),
      ...(threads && p.threadList ? { threadList: p.threadList } : {}),
    })),
  };
}

function table(rows: string[][], rightAligned: number): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : i < rightAligned ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' ').trimEnd())
    .join('\n') + '\n';
}

/** Like ps -ef with the fields of issue 7: kernel threads' names in brackets, as ps shows them. */
export function psText(processes: readonly ProcessRecord[], threads = false): string {
  const rows = [['PID', 'PPID', 'UID', 'GID', 'THR', 'S', 'COMMAND']];
  for (const p of processes) {
    const cmd = p.kernelThread ? `[${p.comm}]` : p.args.length ? p.args.join(' ') : p.comm;
    rows.push([String(p.pid), String(p.ppid), String(p.uid), String(p.gid), String(p.threads), p.state, cmd + (p.argsNote ? `  (${p.argsNote})` : '')]);
    if (threads && p.threadList && p.threadList.length > 1) {
      for (const t of p.threadList) rows.push(['', '', '', '', '', t.state, `  \\_ tid ${t.tid} ${t.comm}`]);
    }
  }
  return table(rows, 5);
}

/** A process tree (by ppid), the way `ps -ejH` / pstree indents it. */
export function psTree(processes: readonly ProcessRecord[]): string {
  const children = new Map<number, ProcessRecord[]>();
  const pids = new Set(processes.map((p) => p.pid));
  for (const p of processes) {
    const parent = pids.has(p.ppid) && p.ppid !== p.pid ? p.ppid : 0;
    const list = children.get(parent) ?? [];
    list.push(p);
    children.set(parent, list);
  }
  const lines: string[] = [];
  const seen = new Set<number>();
  const walk = (pid: number, depth: number): void => {
    for (const p of children.get(pid) ?? []) {
      if (seen.has(p.pid)) continue;
      seen.add(p.pid);
      const cmd = p.kernelThread ? `[${p.comm}]` : p.args.length ? p.args.join(' ') : p.comm;
      lines.push(`${String(p.pid).padStart(6)} ${'  '.repeat(depth)}${cmd.length > 100 ? cmd.slice(0, 97) + '...' : cmd}`);
      walk(p.pid, depth + 1);
    }
  };
  walk(0, 0);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

export function dmesgJson(records: readonly DmesgRecord[]): unknown {
  return {
    records: records.map((r) => ({ seq: r.seq, timestampUs: r.timestampUs, level: r.level, facility: r.facility, text: r.text, ...(r.dict ? { dict: r.dict } : {}) })),
  };
}

/** dmesg's "[    0.000000] text" lines; control characters other than tab and newline stay escaped. */
export function dmesgLine(r: DmesgRecord): string {
  const sec = Math.floor(r.timestampUs / 1e6);
  const us = r.timestampUs % 1e6;
  const text = r.text.replace(/\\x09/g, '\t').replace(/\\x0a/g, '\n').replace(/\\x5c/g, '\\');
  return `[${String(sec).padStart(5)}.${String(us).padStart(6, '0')}] ${text}`;
}

export function dmesgText(records: readonly DmesgRecord[]): string {
  return records.map((r) => dmesgLine(r) + '\n').join('');
}

export function ifconfigJson(interfaces: readonly InterfaceRecord[]): unknown {
  return {
    interfaces: interfaces.map((i) => ({
      netns: i.netns, name: i.name, index: i.index, mac: i.mac, mtu: i.mtu, flags: i.flags, operstate: i.operstate,
      ipv4: i.ipv4.map((a) => ({ address: a.address, prefixLength: a.prefixLength, scope: a.scope })),
      ipv6: i.ipv6.map((a) => ({ address: a.address, prefixLength: a.prefixLength, scope: a.scope })),
    })),
  };
}

/** `ip addr`-like text. */
export function ifconfigText(interfaces: readonly InterfaceRecord[]): string {
  const namespaces = new Set(interfaces.map((i) => i.netns));
  let out = '';
  for (const i of interfaces) {
    out += `${i.index}: ${i.name}: <${i.flags.join(',')}> mtu ${i.mtu} state ${i.operstate.toUpperCase()}${namespaces.size > 1 ? ` netns ${i.netns}` : ''}\n`;
    out += `    link ${i.mac}\n`;
    for (const a of i.ipv4) out += `    inet ${a.address}/${a.prefixLength} scope ${a.scope}${a.label ? ` ${a.label}` : ''}\n`;
    for (const a of i.ipv6) out += `    inet6 ${a.address}/${a.prefixLength} scope ${a.scope}\n`;
  }
  return out;
}
