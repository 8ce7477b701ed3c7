import { realpathSync } from 'node:fs';

/** The command that serves this Toolgate on stdio, with this node, on the config's absolute path. */
export function stdioCommand(configFile: string, grant?: string): string[] {
  const main = realpathSync(process.argv[1]!);
  return [process.execPath, main, 'stdio', '--config', configFile, ...(grant === undefined ? [] : ['--grant', grant])];
}
