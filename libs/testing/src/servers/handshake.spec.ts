import { unexpectedReloadFailures } from './handshake';

describe('reload handshake rules', () => {
  it('holds NGINX, Apache httpd and HAProxy to zero failed handshakes', () => {
    expect(unexpectedReloadFailures('nginx', ['read ECONNRESET'])).toEqual(['read ECONNRESET']);
  });

  it("allows Caddy's configuration swap one reset, nothing else and no second one", () => {
    expect(unexpectedReloadFailures('caddy', ['read ECONNRESET'])).toEqual([]);
    expect(unexpectedReloadFailures('caddy', ['read ECONNRESET', 'read ECONNRESET'])).toEqual(['read ECONNRESET']);
    expect(unexpectedReloadFailures('caddy', ['wrong leaf served'])).toEqual(['wrong leaf served']);
    expect(unexpectedReloadFailures('caddy', ['refused: * BYE Shutting down'])).toEqual(['refused: * BYE Shutting down']);
  });

  it("allows Dovecot's login-process replacement one BYE to a client before login, nothing else and no second one", () => {
    expect(unexpectedReloadFailures('dovecot', ['refused: * BYE Shutting down'])).toEqual([]);
    const two = ['refused: * BYE Shutting down', 'refused: * BYE Shutting down'];
    expect(unexpectedReloadFailures('dovecot', two)).toEqual(['refused: * BYE Shutting down']);
    expect(unexpectedReloadFailures('dovecot', ['read ECONNRESET'])).toEqual(['read ECONNRESET']);
    expect(unexpectedReloadFailures('postfix', ['refused: * BYE Shutting down'])).toEqual(['refused: * BYE Shutting down']);
  });
});
