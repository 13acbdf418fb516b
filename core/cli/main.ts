#!/usr/bin/env node
import { processIo } from './io.js';
import { runCli } from './program.js';

// `introspect ... | head`: a closed pipe is the reader's choice, not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await runCli(process.argv.slice(2), processIo);
