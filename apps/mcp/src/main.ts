#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Command, InvalidArgumentError } from 'commander';
import { CliError, type ConnectionOptions, ExitCode, addConnectionOptions, connect } from '@certctl/api-client';
import { serveHttp } from './http';

export const MCP_VERSION = '0.1.0';
import type { OpenApiDocument } from './openapi-input';
import { createMcpServer } from './server';

interface McpFlags extends ConnectionOptions {
  allowDestructive?: boolean;
  http?: number;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) throw new InvalidArgumentError('expected a port (1-65535)');
  return parsed;
}

// `certctl-mcp`: the Model Context Protocol server of certctl, a client of the gateway's REST API (docs/mcp.md).
// stdout is the protocol channel: everything for people goes to stderr.
const program = addConnectionOptions(
  new Command('certctl-mcp').description(
    'Model Context Protocol server for certctl (stdio by default), a client of the REST API (docs/mcp.md)',
  ),
)
  .option('--allow-destructive', 'also offer revocation, bulk revocation, private key download and API key creation')
  .option('--http <port>', 'serve streamable HTTP on 127.0.0.1:<port>/mcp instead of stdio', port)
  .version(MCP_VERSION)
  .configureOutput({ writeOut: (text) => process.stderr.write(text), writeErr: (text) => process.stderr.write(text) });

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<McpFlags>();
  const { client, server } = connect(flags, process.env);
  let openapi: Promise<OpenApiDocument> | undefined;
  const loadOpenApi = () =>
    (openapi ??= client.get<OpenApiDocument>('/api/openapi.json').catch((err: unknown) => {
      openapi = undefined; // the gateway may be starting: asked again at the next request
      throw err;
    }));
  const newServer = () =>
    createMcpServer({ client, openapi: loadOpenApi, allowDestructive: Boolean(flags.allowDestructive), version: MCP_VERSION });
  const mode = flags.allowDestructive ? 'destructive tools enabled' : 'destructive tools disabled';
  if (flags.http) {
    await serveHttp(flags.http, newServer, (line) => process.stderr.write(`${line}\n`));
    process.stderr.write(`certctl-mcp: http://127.0.0.1:${flags.http}/mcp for ${server} (${mode})\n`);
    return;
  }
  await newServer().connect(new StdioServerTransport());
  process.stderr.write(`certctl-mcp: stdio for ${server} (${mode})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`certctl-mcp: ${(err as Error).message}\n`);
  process.exitCode = err instanceof CliError ? err.exitCode : ExitCode.failure;
});
