import path from 'node:path';
import type { ClientKind } from './client-config.js';

/** Where a client keeps its MCP config file. */
export interface ClientLocation {
  readonly kind: ClientKind;
  readonly file: string;
  /** `user`: the person's own settings; `project`: the folder `toolgate init` runs in. */
  readonly scope: 'user' | 'project';
}

/** What the places depend on: the system, the person's folders, and the folder `toolgate init` runs in. */
export interface Whereabouts {
  readonly platform: NodeJS.Platform;
  readonly home: string;
  readonly cwd: string;
  /** `%APPDATA%` on Windows, `$XDG_CONFIG_HOME` on Linux and the like (unused on macOS); absent: the default under `home`. */
  readonly appData?: string;
}

/**
 * The usual places of the MCP config files of Claude Desktop, Cursor and VS Code, user settings first. Claude
 * Desktop and VS Code keep theirs in the system's application-data folder; Cursor in `~/.cursor` on every
 * system. Cursor and VS Code also read one in the project (`.cursor/mcp.json`, `.vscode/mcp.json`).
 */
export function clientLocations(where: Whereabouts): ClientLocation[] {
  const paths = where.platform === 'win32' ? path.win32 : path.posix;
  const join = (...parts: string[]) => paths.join(...parts);
  const settings =
    where.platform === 'win32'
      ? (where.appData ?? join(where.home, 'AppData', 'Roaming'))
      : where.platform === 'darwin'
        ? join(where.home, 'Library', 'Application Support')
        : (where.appData ?? join(where.home, '.config'));
  const all: ClientLocation[] = [
    { kind: 'claude-desktop', file: join(settings, 'Claude', 'claude_desktop_config.json'), scope: 'user' },
    { kind: 'cursor', file: join(where.home, '.cursor', 'mcp.json'), scope: 'user' },
    { kind: 'vscode', file: join(settings, 'Code', 'User', 'mcp.json'), scope: 'user' },
    { kind: 'cursor', file: join(where.cwd, '.cursor', 'mcp.json'), scope: 'project' },
    { kind: 'vscode', file: join(where.cwd, '.vscode', 'mcp.json'), scope: 'project' },
  ];
  // Run in the home folder, Cursor's project file is its user file.
  return all.filter((location, index) => all.findIndex((other) => other.file === location.file) === index);
}
