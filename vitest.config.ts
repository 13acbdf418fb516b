import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'core/**/*.test.ts', 'plugins/**/*.test.ts'],
          exclude: ['**/*.corpus.test.ts', 'node_modules/**', 'dist/**'],
        },
      },
      {
        test: {
          name: 'corpus',
          include: ['test/corpus/**/*.test.ts', '**/*.corpus.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          globalSetup: ['test/corpus/global-setup.ts'],
        },
      },
    ],
  },
});
