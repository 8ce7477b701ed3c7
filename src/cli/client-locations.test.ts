import { describe, expect, it } from 'vitest';
import { clientLocations } from './client-locations.js';

const files = (locations: ReturnType<typeof clientLocations>) =>
  locations.map(({ kind, file, scope }) => `${kind} ${scope} ${file}`);

describe('clientLocations', () => {
  it('macOS: Claude Desktop and VS Code under ~/Library/Application Support, whatever XDG says', () => {
    const where = { platform: 'darwin', home: '/Users/ann', cwd: '/Users/ann/proj', appData: '/elsewhere' } as const;
    expect(files(clientLocations(where))).toEqual([
      'claude-desktop user /Users/ann/Library/Application Support/Claude/claude_desktop_config.json',
      'cursor user /Users/ann/.cursor/mcp.json',
      'vscode user /Users/ann/Library/Application Support/Code/User/mcp.json',
      'cursor project /Users/ann/proj/.cursor/mcp.json',
      'vscode project /Users/ann/proj/.vscode/mcp.json',
    ]);
  });

  it('Windows: %APPDATA%, or AppData\\Roaming under the home folder without it, joined with backslashes', () => {
    const base = { platform: 'win32', home: 'C:\\Users\\ann', cwd: 'D:\\proj' } as const;
    expect(files(clientLocations({ ...base, appData: 'E:\\Roaming' })).slice(0, 3)).toEqual([
      'claude-desktop user E:\\Roaming\\Claude\\claude_desktop_config.json',
      'cursor user C:\\Users\\ann\\.cursor\\mcp.json',
      'vscode user E:\\Roaming\\Code\\User\\mcp.json',
    ]);
    expect(clientLocations(base)[0]!.file).toBe('C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
    expect(clientLocations(base).at(-1)!.file).toBe('D:\\proj\\.vscode\\mcp.json');
  });

  it('Linux: $XDG_CONFIG_HOME, or ~/.config without it', () => {
    const base = { platform: 'linux', home: '/home/ann', cwd: '/srv/proj' } as const;
    expect(clientLocations(base)[0]!.file).toBe('/home/ann/.config/Claude/claude_desktop_config.json');
    expect(clientLocations({ ...base, appData: '/xdg' })[2]!.file).toBe('/xdg/Code/User/mcp.json');
  });

  it('run in the home folder, names Cursor’s file once, as the user’s', () => {
    const locations = clientLocations({ platform: 'linux', home: '/home/ann', cwd: '/home/ann' });
    const cursor = locations.filter((location) => location.kind === 'cursor');
    expect(cursor).toEqual([{ kind: 'cursor', file: '/home/ann/.cursor/mcp.json', scope: 'user' }]);
    expect(locations).toHaveLength(4);
  });
});
