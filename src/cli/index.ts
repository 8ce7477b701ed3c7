import { Command, InvalidArgumentError } from 'commander';
import { openStdioGateway, startGateway } from '../app.js';
import {
  ConfigError,
  defaultConfig,
  loadConfig,
  loadConfigOutline,
  outlineOf,
  resolveConfigPath,
  type ConfigOutline,
  type GatewayConfig,
} from '../config/load.js';
import { GATEWAY_VERSION } from '../upstream/server-connection.js';
import type { ServerHealth } from '../upstream/upstream.js';
import { runConfigCheck } from './config-check.js';
import { serveStartFailure } from './stdio-start-failure.js';
import { addGrantCommands } from './grants.js';
import { addSuggestCommand, addToolCommands } from './inventory.js';
import { addPolicyCommands } from './policy.js';
import { addApprovalCommands } from './approvals.js';
import { addAuditCommands } from './audit.js';
import { addImportCommand } from './import.js';
import { addPinCommands } from './pins.js';
import { addInitCommand } from './init.js';
import { addMemberCommands } from './members.js';
import { addDbCommands } from './db.js';

/** The start-up line that says which servers serve, and why the others do not. */
function readiness(url: string, servers: readonly ServerHealth[]): string {
  const up = servers.filter((server) => server.state === 'up');
  const lines = [`Toolgate is ready on ${url}: ${up.length} of ${servers.length} servers up`];
  for (const server of servers) {
    const detail =
      server.state === 'up'
        ? `${server.tools ?? 0} tools${server.lists ? `; failed lists: ${server.lists.map((l) => l.method).join(', ')}` : ''}`
        : `${server.step === undefined ? '' : `at ${server.step}: `}${server.error ?? 'no answer yet'}${server.stderr ? `; stderr: ${server.stderr.at(-1)}` : ''}`;
    lines.push(`  ${server.id}: ${server.state} (${detail})`);
  }
  return lines.join('\n');
}

/** Builds the `toolgate` command line. Each command is thin: read flags, call the app, print. */
export function buildCli(): Command {
  const program = new Command('toolgate')
    .description('An MCP policy gateway: one MCP endpoint in front of many MCP servers.')
    .version(GATEWAY_VERSION)
    .showHelpAfterError();

  program
    .command('start')
    .description('Serve the gateway over HTTP (Streamable HTTP on /mcp)')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .option('--host <host>', 'address to listen on (overrides listen.host)')
    .option('--port <port>', 'port to listen on, 0 for any free port (overrides listen.port)', parsePort)
    .action(async (options: { config?: string; host?: string; port?: number }) => {
      const config = withListen(readConfig(options.config), options.host, options.port);
      let running: Awaited<ReturnType<typeof startGateway>>;
      try {
        running = await startGateway(config);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        const { host, port } = config.listen;
        const busy = (error as { port?: number }).port;
        process.stderr.write(
          busy === undefined || busy === port
            ? `Toolgate cannot listen on ${host}:${port}: port ${port} is in use, perhaps by another Toolgate; ` +
                'pass --port 0 for any free port or --port N.\n'
            : `Toolgate cannot serve the console on ${config.admin.host}:${busy}: the port is in use, perhaps by ` +
                'another Toolgate; set admin.port (0 for any free port), or admin.console to false.\n',
        );
        process.exit(1);
      }
      process.stderr.write(`Toolgate is listening on ${running.http.url}\n`);
      if (running.admin) process.stderr.write(`The console is on ${running.admin.url}\n`);
      void running.upstreams
        .settled()
        .then(() => process.stderr.write(`${readiness(running.http.url, running.upstreams.servers())}\n`));
      const stop = async () => {
        await running.stop();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  program
    .command('stdio')
    .description('Serve the gateway on stdin/stdout, for clients that launch a command')
    .option('-c, --config <file>', 'config file (default: ./toolgate.json if present)')
    .option('--grant <label>', 'run as this grant: its policy and servers apply')
    .action(async (options: { config?: string; grant?: string }) => {
      let serve: () => Promise<void>;
      try {
        const file = resolveConfigPath(options.config);
        if (file === null) process.stderr.write(noConfigNotice('starting with no servers and the defaults'));
        serve = await openStdioGateway(file === null ? defaultConfig() : loadConfig(file), options.grant);
      } catch (error) {
        // The client that launched this command sees only its stdout; its log shows stderr.
        const message = `Toolgate could not start: ${error instanceof Error ? error.message : String(error)}`;
        process.stderr.write(`${message}\n`);
        await serveStartFailure(message);
        process.exit(1);
      }
      await serve();
      process.exit(0);
    });

  const config = program.command('config').description('Work with the config file');
  config
    .command('check [file]')
    .description('Validate a config file and report every error with its location')
    .action((file: string | undefined) => {
      process.exitCode = runConfigCheck(file, { log: (s) => console.log(s), error: (s) => console.error(s) });
    });

  const out = { log: (line: string) => console.log(line), error: (line: string) => console.error(line) };
  addGrantCommands(program, readOutline, out);
  addSuggestCommand(addPolicyCommands(program, readOutline, out), readOutline, out);
  const tools = addToolCommands(program, readOutline, out);
  addApprovalCommands(program, readOutline, out);
  addAuditCommands(program, readOutline, out);
  addImportCommand(program, out);
  addPinCommands(tools, readOutline, out);
  addInitCommand(program, out);
  addMemberCommands(program, readOutline, out);
  addDbCommands(program, readOutline, out);

  return program;
}

/** The whole config, every variable it uses set: for the commands that serve. */
function readConfig(explicit: string | undefined): GatewayConfig {
  return exitingOnConfigError(() => {
    const file = resolveConfigPath(explicit);
    if (file !== null) return loadConfig(file);
    process.stderr.write(noConfigNotice('starting with no servers and the defaults'));
    return defaultConfig();
  });
}

/** The settings the other commands use, which hold no variables (see loadConfigOutline). */
function readOutline(explicit: string | undefined): ConfigOutline {
  return exitingOnConfigError(() => {
    const file = resolveConfigPath(explicit);
    if (file !== null) return loadConfigOutline(file);
    process.stderr.write(noConfigNotice('using the defaults'));
    return outlineOf(defaultConfig());
  });
}

/**
 * Said when no config file is found, since the defaults then put the state database in the working directory:
 * run elsewhere, a command would read (or the gateway write) another database than the user's.
 */
function noConfigNotice(doing: string): string {
  const state = defaultConfig().state.sqlite;
  return `No toolgate.json in ${process.cwd()}: ${doing} (state in ${state}). Pass --config FILE to use another.\n`;
}

function exitingOnConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function withListen(config: GatewayConfig, host: string | undefined, port: number | undefined): GatewayConfig {
  if (host === undefined && port === undefined) return config;
  return Object.freeze({
    ...config,
    listen: Object.freeze({
      ...config.listen,
      ...(host === undefined ? {} : { host }),
      ...(port === undefined ? {} : { port }),
    }),
  });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('expected an integer from 0 to 65535');
  return port;
}
