import type { ClientConfig, ClientKind } from './client-config.js';

const CLIENT_NAMES: Readonly<Record<ClientKind, string>> = {
  'claude-desktop': 'Claude Desktop',
  cursor: 'Cursor',
  vscode: 'VS Code',
};

/** What `toolgate init` knows of how the client is to reach Toolgate. */
export interface Pointing {
  readonly client: Pick<ClientConfig, 'file' | 'kind' | 'serversKey' | 'workspace'>;
  /** The client's servers that Toolgate runs now: the client must no longer reach them itself. */
  readonly moved: readonly string[];
  /** The client's entry for Toolgate; null when its kind is unknown or the gateway has no fixed address. */
  readonly entry: Record<string, unknown> | null;
  /** The command line of `toolgate stdio` as the grant. */
  readonly command: readonly string[];
  /** The gateway's address; null when it listens on any free port. */
  readonly url: string | null;
  /** Where the client's original file was copied when init rewrote it; null when it did not. */
  readonly backup: string | null;
  /** The environment variables toolgate.json refers to. */
  readonly variables: readonly string[];
}

/** How to point the client at Toolgate, or what init did to point it and what is left to do. */
export function pointingAdvice(pointing: Pointing): string[] {
  const { client, entry, backup } = pointing;
  const kind = client.kind;
  if (kind === undefined) return anyClient(pointing);
  const name = CLIENT_NAMES[kind];
  const lines: string[] = [];
  if (entry === null) {
    lines.push(
      `${name} reaches Toolgate over HTTP, but the config listens on port 0 (any free port): give listen.port a`,
      'fixed port, then point it at http://127.0.0.1:PORT/mcp with the header "Authorization: Bearer <token>".',
    );
    return lines;
  }
  if (backup !== null) {
    lines.push(`Pointed ${client.file} at Toolgate (the original is in ${backup}).`, `Restart ${name} to use it.`);
  } else {
    const moved = pointing.moved.length === 0 ? '' : ` in place of ${pointing.moved.join(', ')}`;
    lines.push(
      `To point ${name} at Toolgate, put this entry in "${client.serversKey}" of`,
      `${client.file}${moved}:`,
      ...JSON.stringify({ toolgate: entry }, null, 2).split('\n').slice(1, -1),
      `then restart ${name}.`,
    );
  }
  if (kind === 'claude-desktop') {
    if (pointing.variables.length > 0) {
      lines.push(
        `The config refers to environment variables (${pointing.variables.join(', ')}). Claude Desktop does not pass`,
        'your shell’s environment on: add them to the "env" of its "toolgate" entry, or Toolgate will not start.',
      );
    }
    return lines;
  }
  lines.push(`${name} connects to a running gateway: start it first (toolgate start).`);
  if (backup !== null && client.workspace !== null) {
    lines.push(`${client.file} holds the grant’s token now: keep it out of version control.`);
  }
  return lines;
}

/** For a client config whose client is not known: both ways in. */
function anyClient({ command, url }: Pointing): string[] {
  const lines = ['Point your client at Toolgate:', `  a client that launches a command runs: ${command.join(' ')}`];
  lines.push(
    url === null
      ? '  a client that speaks HTTP needs listen.port set to a fixed port first'
      : `  a client that speaks HTTP connects to ${url} with the header "Authorization: Bearer <token>",` +
          ' once the gateway runs (toolgate start)',
  );
  return lines;
}

/**
 * The commands to go on with. They name the config when it is not the one they find by themselves
 * (./toolgate.json in the folder they run in).
 */
export function nextSteps(configFile: string, defaultConfigFile: string, url: string | null, grant: string): string[] {
  const config = configFile === defaultConfigFile ? '' : ` --config ${configFile}`;
  const steps: [string, string][] = [
    [`toolgate start${config}`, `serve HTTP clients${url === null ? '' : ` on ${url}`}`],
    [`toolgate tools --grant ${grant}${config}`, 'every tool, its class, and what the grant’s policy does with it'],
    [`toolgate tools show NAME${config}`, "one tool's page: the evidence, and the rule to start from"],
  ];
  const width = Math.max(...steps.map(([command]) => command.length));
  return ['Next:', ...steps.map(([command, what]) => `  ${command.padEnd(width)}  ${what}`)];
}
