// The structs, fields and symbols the memory views (ps, dmesg, ifconfig) read. A profile built from
// BTF (the image's own, or a vmlinux.btf) keeps exactly these. Names are the kernel's own
// (include/linux/sched.h, include/linux/cred.h, include/linux/mm_types.h, kernel/printk/
// printk_ringbuffer.h, include/linux/netdevice.h, include/linux/inetdevice.h, include/net/if_inet6.h).

export const VIEW_STRUCTS: Readonly<Record<string, readonly string[]>> = {
  list_head: ['next', 'prev'],
  task_struct: [
    'tasks', 'pid', 'tgid', 'comm', 'real_parent', 'parent', 'group_leader', 'flags', 'mm', 'active_mm', 'cred', 'real_cred', 'signal',
    'thread_group', 'thread_node', '__state', 'state', 'exit_state', 'worker_private', 'set_child_tid', 'nsproxy',
  ],
  cred: ['uid', 'gid', 'euid', 'egid'],
  mm_struct: ['pgd', 'arg_start', 'arg_end', 'env_start', 'env_end'],
  signal_struct: ['thread_head', 'nr_threads'],
  nsproxy: ['net_ns'],
  // kernel/kthread.c and kernel/workqueue_internal.h: what /proc/PID/stat shows as the name of
  // kernel threads (full_name, 5.17+) and workqueue workers ("kworker/0:1-events").
  kthread: ['data', 'full_name'],
  worker: ['desc', 'current_work', 'pool'],
  // printk ring buffer (5.10+)
  printk_ringbuffer: ['desc_ring', 'text_data_ring', 'fail'],
  prb_desc_ring: ['count_bits', 'descs', 'infos', 'head_id', 'tail_id'],
  prb_desc: ['state_var', 'text_blk_lpos'],
  prb_data_blk_lpos: ['begin', 'next'],
  prb_data_ring: ['size_bits', 'data', 'head_lpos', 'tail_lpos'],
  printk_info: ['seq', 'ts_nsec', 'text_len', 'facility', 'flags', 'level', 'caller_id', 'dev_info'],
  dev_printk_info: ['subsystem', 'device'],
  // printk_log records (3.11-5.9; "struct log" in 3.5-3.10)
  printk_log: ['ts_nsec', 'len', 'text_len', 'dict_len', 'facility', 'flags', 'level', 'caller_id'],
  log: ['ts_nsec', 'len', 'text_len', 'dict_len', 'facility', 'flags', 'level'],
  // network namespaces and devices
  net: ['list', 'dev_base_head', 'loopback_dev', 'ns', 'ifindex'],
  ns_common: ['inum'],
  possible_net_t: ['net'],
  net_device: ['dev_list', 'name', 'ifindex', 'flags', 'gflags', 'mtu', 'dev_addr', 'perm_addr', 'addr_len', 'ip_ptr', 'ip6_ptr', 'operstate', 'state', 'nd_net', 'type'],
  in_device: ['ifa_list', 'dev'],
  in_ifaddr: ['ifa_next', 'ifa_address', 'ifa_local', 'ifa_mask', 'ifa_prefixlen', 'ifa_scope', 'ifa_flags', 'ifa_label'],
  inet6_dev: ['addr_list', 'dev'],
  inet6_ifaddr: ['addr', 'prefix_len', 'scope', 'flags', 'if_list'],
};

/** Symbols the views use when a symbol table has them (kallsyms with KALLSYMS_ALL, VMCOREINFO, a profile). */
export const VIEW_SYMBOLS: readonly string[] = [
  'init_task', 'init_net', 'net_namespace_list', 'init_nsproxy',
  'prb', 'printk_rb_static', 'log_buf', 'log_buf_len', 'log_first_idx', 'log_next_idx', 'log_first_seq', 'log_next_seq', 'log_end', 'logged_chars',
  'init_uts_ns', 'linux_banner', '_stext', '_text',
];
