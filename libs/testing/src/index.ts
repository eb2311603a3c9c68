export * from './stack';
export * from './infra';
