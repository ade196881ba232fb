// Lint setup: typescript-eslint's recommended rules over sources, tests and benchmarks; formatting
// is Prettier's (`npm run format`), so eslint-config-prettier turns off the rules it owns.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  prettier,
  { ignores: ['node_modules/', 'out/', 'dist/', 'models/', 'datasets/'] },
);
