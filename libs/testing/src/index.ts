export * from './paths';
export * from './stack';
export * from './infra';
export * from './fleet';
export * from './challenge-test-server';
export * from './acme-tls-cert';
export * from './challenge-test-server-process';
export * from './openssl-ca';
