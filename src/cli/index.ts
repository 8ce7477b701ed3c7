import { Command, InvalidArgumentError } from 'commander';
import { runStdioGateway, startGateway } from '../app.js';
import { ConfigError, defaultConfig, loadConfig, resolveConfigPath, type GatewayConfig } from '../config/load.js';
import { GATEWAY_VERSION } from '../upstream/server-connection.js';
import { runConfigCheck } from './config-check.js';
import { addGrantCommands } from './grants.js';
import { addPolicyCommands } from './policy.js';
import { addApprovalCommands } from './approvals.js';
import { addAuditCommands } from './audit.js';

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
      const running = await startGateway(config);
      process.stderr.write(`Toolgate is listening on ${running.http.url}\n`);
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
      await runStdioGateway(readConfig(options.config), options.grant);
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
  addGrantCommands(program, readConfig, out);
  addPolicyCommands(program, readConfig, out);
  addApprovalCommands(program, readConfig, out);
  addAuditCommands(program, readConfig, out);

  return program;
}

function readConfig(explicit: string | undefined): GatewayConfig {
  const file = resolveConfigPath(explicit);
  if (file === null) {
    process.stderr.write('No toolgate.json here and no --config given: starting with no servers.\n');
    return defaultConfig();
  }
  try {
    return loadConfig(file);
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
