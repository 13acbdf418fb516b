import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';
import type { CommandContext } from '../context.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('df')
    .description('not implemented yet (issue #5)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => {
      void context;
      throw new NotImplementedError('introspect df', 5);
    });
}
