export * from './bulk';
export * from './certificate';
export * from './crl';
