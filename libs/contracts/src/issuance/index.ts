export * from './crl';
export * from './issuer';
export * from './ocsp-responder';
export * from './private-key';
export * from './server-certificate';
export * from './scep-ra';
