export * from './rpc-client';
export * from './rpc-handler';
export * from './server';
export * from './messaging.module';
