import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const APPS = ['gateway', 'inventory', 'issuance', 'acme', 'revocation', 'scheduler', 'notifications', 'agent', 'cli', 'mcp', 'web'];
const TEST_FILES = [
  '**/*.spec.ts',
  '**/*.target-spec.ts',
  '**/*.int-spec.ts',
  '**/*.e2e-spec.ts',
  '**/test/**/*.ts',
  'apps/platform-e2e/**/*.ts',
];

/**
 * Module boundaries by type and by scope (docs/contributing.md). Apps never import apps and
 * reach only shared libraries; libraries reach libraries; the contracts library reaches only
 * zod; the test library (libs/testing, tag type:testing) is for test code only.
 */
function boundaries({ testCode }) {
  const libs = testCode ? ['type:lib', 'type:contracts', 'type:testing'] : ['type:lib', 'type:contracts'];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      ...APPS.map((app) => ({ sourceTag: `scope:${app}`, onlyDependOnLibsWithTags: [`scope:${app}`, 'scope:shared'] })),
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: libs },
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:testing'] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: libs },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:testing'] },
      // The contracts library depends on nothing but its schema library (zod); its
      // property tests (*.property.spec.ts) also use fast-check.
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [], allowedExternalImports: ['zod', 'node:net', 'fast-check'] },
    ],
  };
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.local/**',
      '.nx/**',
      'libs/database/src/generated/**',
      'coverage/**',
      'apps/web/src/api/schema.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries({ testCode: true })],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Production code may not import the test library.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ testCode: false })] },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The dashboard (apps/web): React in the browser, typed by apps/web/tsconfig.json.
    files: ['apps/web/**/*.{ts,tsx}'],
    plugins: { '@nx': nx },
    languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries({ testCode: false })],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // End-to-end tests read untyped JSON from the running stack.
    files: ['apps/platform-e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
