// Test-only: a tiny TLS server (a node process) standing in for "any server on the remote host"
// of the SSH target: it reads its certificate and key paths from a JSON config, reloads them on
// SIGHUP, and `node <script> check <config>` is its configuration test (JSON and PEM parse).
import { type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer, stopByPid } from './mail-support';
import { waitForPort } from '../infra';

const SCRIPT = `
const fs = require('node:fs');
const tls = require('node:tls');
const [mode, configFile, port] = process.argv.slice(2);
const load = () => {
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  return { cert: fs.readFileSync(config.cert), key: fs.readFileSync(config.key) };
};
if (mode === 'check') {
  try { tls.createSecureContext(load()); console.log('configuration ok'); }
  catch (err) { console.error('tls-server: ' + configFile + ': ' + err.message); process.exit(1); }
} else {
  const server = tls.createServer(load(), (socket) => socket.end());
  process.on('SIGHUP', () => server.setSecureContext(load()));
  fs.writeFileSync(configFile + '.pid', String(process.pid));
  server.listen(Number(port), '127.0.0.1');
}
`;

export interface ReloadableTlsServer {
  port: number;
  configFile: string;
  /** Shell commands for the SSH target (the fixture runs on the same machine as sshd). */
  testCommand: string;
  reloadCommand: string;
  pid: number;
  /** Makes its JSON config unparsable (the server's own configuration broken). */
  breakConfig(): void;
  stop(): Promise<void>;
}

/** Starts the server on `port` with the files at `cert`/`key` (which must exist). */
export async function startReloadableTlsServer(options: {
  dir: string;
  port: number;
  cert: string;
  key: string;
}): Promise<ReloadableTlsServer> {
  const script = join(options.dir, 'tls-server.js');
  const configFile = join(options.dir, 'tls-server.json');
  writeFileSync(script, SCRIPT);
  writeFileSync(configFile, JSON.stringify({ cert: options.cert, key: options.key }));
  const child: ChildProcess = spawnServer(process.execPath, [script, 'serve', configFile, String(options.port)], {
    logFile: join(options.dir, 'tls-server.log'),
  });
  await waitForPort(options.port, 30000);
  return {
    port: options.port,
    configFile,
    testCommand: `${process.execPath} ${script} check ${configFile}`,
    reloadCommand: `kill -HUP ${child.pid}`,
    pid: child.pid!,
    breakConfig: () => appendFileSync(configFile, '\n}{ not json'),
    stop: () => stopByPid(child.pid),
  };
}
