// What `introspect ps --json` and `introspect ifconfig --json` should print for a live guest, built
// from what that same boot printed on its serial console (KASLR, MACs and pids differ per boot), and
// the commands' JSON reduced to the compared fields. JSON shapes: issue #7 (Views).
import type { SerialProcess, SerialTruth } from './serial.js';

export interface PsExpected {
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
  comm: string;
  kernelThread: boolean;
  threads: number;
  args: string[];
}

export interface IfaceExpected {
  name: string;
  index: number;
  mac: string;
  mtu: number;
  ipv4: { address: string; prefixLength: number }[];
  ipv6: { address: string; prefixLength: number; scope: string }[];
}

export function expectedProcesses(truth: SerialTruth): PsExpected[] {
  return truth.processes
    .map((p) => ({
      pid: p.pid,
      ppid: p.ppid,
      uid: p.status.uid[0],
      gid: p.status.gid[0],
      comm: p.comm,
      kernelThread: p.kernelThread,
      threads: p.num_threads,
      args: p.kernelThread ? [] : p.argv,
    }))
    .sort((a, b) => a.pid - b.pid);
}

/**
 * A workqueue worker's /proc comm is its task comm plus "-" (idle, last work's workqueue) or "+"
 * (running) and a description (linux kernel/workqueue.c wq_worker_comm): it changes whenever the
 * worker picks up other work, so between the guest's print and the live read only the task comm part
 * is stable. True when both names have the same task comm and differ only in that suffix.
 */
export function sameWorkerTaskComm(printed: string, live: string): boolean {
  if (printed === live) return true;
  for (let i = 1; i <= live.length; i++) {
    if (i < live.length && live[i] !== '-' && live[i] !== '+') continue;
    const task = live.slice(0, i);
    if (printed === task) return true;
    if (printed.startsWith(task) && (printed[task.length] === '-' || printed[task.length] === '+')) return true;
  }
  return false;
}

/** A ps --json process reduced to the compared fields; a worker's comm is taken as printed when only the work suffix differs. */
export function normalizeLiveProcess(raw: Record<string, unknown>, printed: SerialProcess | undefined): PsExpected {
  let comm = String(raw.comm);
  if (printed?.wqWorker && sameWorkerTaskComm(printed.comm, comm)) comm = printed.comm;
  return {
    pid: Number(raw.pid),
    ppid: Number(raw.ppid),
    uid: Number(raw.uid),
    gid: Number(raw.gid),
    comm,
    kernelThread: Boolean(raw.kernelThread),
    threads: Number(raw.threads),
    args: Array.isArray(raw.args) ? raw.args.map(String) : [`(args not an array: ${JSON.stringify(raw.args)})`],
  };
}

const byAddress = <T extends { address: string }>(a: T, b: T): number => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

export function expectedInterfaces(truth: SerialTruth): IfaceExpected[] {
  return truth.sysNet
    .map((s) => {
      const ip = truth.ipAddr.find((i) => i.name === s.name);
      return {
        name: s.name,
        index: s.ifindex,
        mac: s.address,
        mtu: s.mtu,
        ipv4: (ip?.ipv4 ?? []).map((a) => ({ address: a.address, prefixLength: a.prefixLength })).sort(byAddress),
        ipv6: (ip?.ipv6 ?? []).map((a) => ({ address: a.address, prefixLength: a.prefixLength, scope: a.scope })).sort(byAddress),
      };
    })
    .sort((a, b) => a.index - b.index);
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

export function normalizeLiveInterface(raw: Record<string, unknown>): IfaceExpected {
  return {
    name: String(raw.name),
    index: Number(raw.index),
    mac: String(raw.mac).toLowerCase(),
    mtu: Number(raw.mtu),
    ipv4: records(raw.ipv4).map((a) => ({ address: String(a.address), prefixLength: Number(a.prefixLength) })).sort(byAddress),
    ipv6: records(raw.ipv6)
      .map((a) => ({ address: String(a.address).toLowerCase(), prefixLength: Number(a.prefixLength), scope: String(a.scope) }))
      .sort(byAddress),
  };
}
