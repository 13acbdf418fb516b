import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';
import type { CommandContext } from '../context.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('dmesg')
    .description('not implemented yet (issue #7)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      void context;
      throw new NotImplementedError('introspect dmesg', 7);
    });
}
