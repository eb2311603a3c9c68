// The ACME directory (GET, public): what every client fetches first.
export const name = 'acme-directory';
export const description = 'GET /acme/directory (public ACME directory, no auth)';
export const requests = [{ method: 'GET', path: '/acme/directory', auth: false }];
