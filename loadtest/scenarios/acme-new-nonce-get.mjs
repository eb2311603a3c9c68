// ACME newNonce by GET (RFC 8555 §7.2: 204, public): the same as acme-new-nonce, for comparing the
// gateway's forwarding with calling the ACME service directly (autocannon waits forever on the
// service's own HEAD answer, which carries no Content-Length; the gateway's does).
export const name = 'acme-new-nonce-get';
export const description = 'GET /acme/new-nonce (public, 204 with a fresh Replay-Nonce each)';
export const requests = [{ method: 'GET', path: '/acme/new-nonce', auth: false }];
