import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import svelteParser from 'svelte-eslint-parser';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'public/models/'] },
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parser: svelteParser, parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // src/core/ is framework-free: no Svelte, no web-llm, no DOM-only modules.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['svelte', 'svelte/*', '@mlc-ai/web-llm', '**/store/**', '**/views/**', '**/workers/**', 'idb'] }],
    },
  },
  {
    // The app's layers (src/ui): views → state → core / engine-client / store. Views and their
    // pieces never reach the worker, the engine client or the stores' back ends themselves.
    files: ['src/ui/views/**/*.{ts,svelte}', 'src/ui/components/**/*.{ts,svelte}', 'src/ui/charts/**/*.{ts,svelte}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/engine-client/**', '**/workers/**', '**/store/**', '@mlc-ai/web-llm', 'idb', 'comlink'], allowTypeImports: true, message: 'views reach engines and storage through the stores in src/ui/state' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ui/components/**/*.{ts,svelte}', 'src/ui/charts/**/*.{ts,svelte}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/state/**', '**/app/**', '**/engine-client/**', '**/workers/**', '**/store/**'], message: 'components and charts take props only' }] },
      ],
    },
  },
  {
    // Stores hold state for views; they never import a view, the worker or web-llm directly.
    files: ['src/ui/state/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/ui/views/**', '../views/**', '**/workers/**', '@mlc-ai/web-llm', '*.svelte'], allowTypeImports: true, message: 'stores sit below the views and above the engine client' }] },
      ],
    },
  },
);
