export * from './bootstrap';
export * from './problem';
export * from './health.controller';
export * from './public';
export * from './address-policy';
export * from './shared-rate-limit';
export * from './redis';
export * from './tls-probe';
