// Serial text in the corpus guest's format (its /init prints it; see shared/corpus/mem/*/guest.md),
// built from a few records, for the parser and harness unit tests.

export interface FixtureProcess {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  flags: number;
  threads: number;
  uid: number;
  gid: number;
  cmdline: string; // NUL-separated, as /proc/PID/cmdline
}

export const fixtureProcesses: FixtureProcess[] = [
  { pid: 1, comm: 'init', state: 'R', ppid: 0, flags: 0x400100, threads: 1, uid: 0, gid: 0, cmdline: '/bin/sh\0/init\0' },
  { pid: 2, comm: 'kthreadd', state: 'S', ppid: 0, flags: 0x208040, threads: 1, uid: 0, gid: 0, cmdline: '' },
  { pid: 7, comm: 'kworker/0:0-rcu_gp', state: 'I', ppid: 2, flags: 0x4208060, threads: 1, uid: 0, gid: 0, cmdline: '' },
  { pid: 93, comm: 'sleep', state: 'S', ppid: 1, flags: 0x400100, threads: 1, uid: 1000, gid: 1000, cmdline: '/bin/sleep\x004343\0' },
  { pid: 95, comm: 'a (b) c', state: 'S', ppid: 1, flags: 0x400000, threads: 3, uid: 0, gid: 0, cmdline: '/bin/sh\0--x=1 2\0' },
];

function statLine(p: FixtureProcess): string {
  // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads ...
  return `${p.pid} (${p.comm}) ${p.state} ${p.ppid} 0 0 0 -1 ${p.flags} 0 0 0 0 0 0 0 0 20 0 ${p.threads} 0 113 0 0 18446744073709551615 0 0`;
}

export function fixtureSerial(options: { ready?: boolean; end?: boolean; processes?: FixtureProcess[] } = {}): string {
  const out: string[] = ['[    0.000000] Linux version 6.1.0-56-amd64 (fixture)', '@@TRUTH-BEGIN@@'];
  const sec = (name: string, ...body: string[]): void => void out.push(`@@SECTION ${name}@@`, ...body);
  sec('uname-a', 'Linux introspect-guest 6.1.0-56-amd64 #1 SMP x86_64 GNU/Linux');
  sec('uname-fields', 'sysname=Linux', 'nodename=introspect-guest', 'release=6.1.0-56-amd64', 'version=#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)', 'machine=x86_64');
  sec('proc-version', 'Linux version 6.1.0-56-amd64 (fixture) #1 SMP');
  sec(
    'ip-addr',
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000',
    '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
    '    inet 127.0.0.1/8 scope host lo',
    '       valid_lft forever preferred_lft forever',
    '    inet6 ::1/128 scope host ',
    '       valid_lft forever preferred_lft forever',
    '2: dummy0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue qlen 1000',
    '    link/ether 72:47:A5:8b:17:f3 brd ff:ff:ff:ff:ff:ff',
    '    inet 10.11.12.13/24 scope global dummy0',
    '       valid_lft forever preferred_lft forever',
    '    inet6 fd00::1234/64 scope global ',
    '       valid_lft forever preferred_lft forever',
    '    inet6 fe80::7047:a5ff:fe8b:17f3/64 scope link ',
    '       valid_lft forever preferred_lft forever',
  );
  sec('sys-net', 'dummy0 ifindex=2 mtu=1500 address=72:47:a5:8b:17:f3 flags=0x83 operstate=unknown', 'lo ifindex=1 mtu=65536 address=00:00:00:00:00:00 flags=0x9 operstate=unknown');
  sec(
    'kmsg',
    '5,0,0,-;Linux version 6.1.0-56-amd64 (fixture)',
    '6,1,726914,-;rcu: \\x09Max phase no-delay instances is 1000.',
    '6,2,3086569,-;pci_bus 0000:00: resource 8 [mem 0x100000000-0x17fffffff window]',
    ' SUBSYSTEM=pci_bus',
    ' DEVICE=+pci_bus:0000:00',
    '12,3,8923189,-;introspect-marker: hello from the guest',
    'Terminated',
  );
  sec('procwalk');
  for (const p of options.processes ?? fixtureProcesses) {
    out.push(
      `PROC ${p.pid}`,
      `STAT ${statLine(p)}`,
      `STATUS Name: ${p.comm} `,
      `STATUS Tgid: ${p.pid} `,
      `STATUS PPid: ${p.ppid} `,
      `STATUS Uid: ${p.uid} ${p.uid}\t${p.uid}\t${p.uid}`,
      `STATUS Gid: ${p.gid} ${p.gid}\t${p.gid}\t${p.gid}`,
      `STATUS Threads: ${p.threads} `,
      `CMDLINE-HEX ${Buffer.from(p.cmdline, 'latin1').toString('hex')}`,
      'END-PROC',
    );
  }
  if (options.end !== false) out.push('@@TRUTH-END@@');
  if (options.ready !== false && options.end !== false) out.push('READY');
  // The serial console writes \r\n.
  return out.map((l) => l + '\r\n').join('');
}
