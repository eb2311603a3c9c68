export * from './rpc-client';
export * from './rpc-handler';
export * from './server';
export * from './messaging.module';
export * from './nats-permissions';
export * from './bus-options';
export * from './principal-token';
export * from './bus-secrets';
