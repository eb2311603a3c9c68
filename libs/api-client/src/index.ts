// The gateway's REST API as its command-line clients use it (`certctl`, `certctl-mcp`):
// JSON in and out, problems as one-line errors with an exit status, the key never shown.
export { ApiClient, type ApiClientOptions, type Page, type Query } from './api-client';
export { maskKey, resolveApiKey, type CredentialOptions } from './credentials';
export { CliError, ExitCode, exitCodeFor, problemError, problemLine, type ProblemDocument } from './errors';
export { nodeTransport, type Transport, type TransportRequest, type TransportResponse } from './transport';
export { DEFAULT_SERVER, type ConnectionOptions, addConnectionOptions, connect } from './connection';
