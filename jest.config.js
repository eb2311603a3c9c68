// Three tiers, one command each (see package.json): unit (pure logic, mocks allowed),
// integration (one service's code against real PostgreSQL/Redis/NATS),
// e2e (the whole stack started from the built bundles, driven from outside).
const { readFileSync } = require('node:fs');
const swc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(Object.entries(compilerOptions.paths).map(([k, [v]]) => [`^${k}$`, `<rootDir>/${v}`]));
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // SWC rewrites the @certctl/* aliases itself, so global setup files (which Jest's
  // moduleNameMapper does not cover) resolve them too.
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false, jsc: { ...swc.jsc, baseUrl: __dirname, paths: compilerOptions.paths } }],
    // jose, pkijs and pkijs' dependencies ship ES modules only; Jest (CommonJS here) gets them compiled.
    '^.+/node_modules/(jose|pkijs|asn1js|bytestreamjs|@noble/hashes|@peculiar/utils)/.+\\.js$': [
      '@swc/jest',
      { swcrc: false, jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|pkijs|asn1js|bytestreamjs|@noble/hashes|@peculiar/utils)/)'],
  // The data dir holds Go module caches and build trees of the test tools: never test code.
  modulePathIgnorePatterns: ['<rootDir>/\\.local/'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  setupFiles: ['reflect-metadata'],
};

// The stack tiers run without --forceExit: they end when their tests closed what they opened.
// Each one's global teardown arms libs/testing/src/exit-watchdog.ts, which fails the run naming
// what is still open when Jest has not exited 30 s after it (CERTCTL_TEST_EXIT_GRACE_MS).

// A project's own testTimeout is ignored by Jest (only the top-level one counts), so each
// tier's timeout travels in its globals and libs/testing/src/jest-timeout.ts applies it.
const timeout = (ms) => ({
  globals: { CERTCTL_TEST_TIMEOUT_MS: ms },
  setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest-timeout.ts'],
});

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup-infra.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown-watchdog.ts',
      ...timeout(60000),
    },
    {
      // The agent's target connectors against real servers (NGINX, Apache httpd, HAProxy, Caddy,
      // Postfix, Dovecot, keytool, OpenSSH) that tools/agent/install-target-servers.sh installs;
      // each test runs its server on loopback ports from a temporary directory.
      ...base,
      displayName: 'targets',
      testMatch: ['<rootDir>/apps/agent/**/*.target-spec.ts'],
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown-watchdog.ts',
      ...timeout(120000),
    },
    {
      // The deployment files (Helm chart, compose, Dockerfile) rendered by real tools that
      // tools/deploy/install-tools.sh installs; run by tools/deploy/check.sh.
      ...base,
      displayName: 'deploy',
      testMatch: ['<rootDir>/tools/deploy/**/*.deploy-spec.ts'],
      ...timeout(120000),
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/apps/platform-e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/apps/platform-e2e/src/global-setup.ts',
      globalTeardown: '<rootDir>/apps/platform-e2e/src/global-teardown.ts',
      ...timeout(120000),
    },
    {
      // Faults injected into the running stack (tools/testing/faults.sh: its own PostgreSQL, Redis
      // and NATS, since it kills them); docs/reliability.md.
      ...base,
      displayName: 'faults',
      testMatch: ['<rootDir>/apps/platform-e2e/**/*.faults-spec.ts'],
      globalSetup: '<rootDir>/apps/platform-e2e/src/global-setup.ts',
      globalTeardown: '<rootDir>/apps/platform-e2e/src/global-teardown.ts',
      ...timeout(1200000),
    },
    {
      // zlint and pkilint over what libs/pki and the running stack sign (tools/conformance; docs/conformance.md).
      ...base,
      displayName: 'conformance',
      testMatch: ['<rootDir>/{apps,tools}/**/*.conformance-spec.ts'],
      globalSetup: '<rootDir>/apps/platform-e2e/src/global-setup.ts',
      globalTeardown: '<rootDir>/apps/platform-e2e/src/global-teardown.ts',
      ...timeout(600000),
    },
  ],
};
