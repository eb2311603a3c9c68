export * from './support';
export * from './nginx';
export * from './haproxy';
export * from './apache';
export * from './caddy';
export * from './handshake';
export * from './moto';
export * from './stepca';
