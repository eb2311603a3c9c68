// ACME newNonce (HEAD, public): one fresh Replay-Nonce per response; issuing one writes nothing.
export const name = 'acme-new-nonce';
export const description = 'HEAD /acme/new-nonce (public, a fresh Replay-Nonce each)';
export const requests = [{ method: 'HEAD', path: '/acme/new-nonce', auth: false }];
