/** One module of src/ in the map: what it may import, and whether it must stay free of I/O. */
export interface ModuleRule {
  readonly uses: readonly string[];
  readonly pure?: boolean;
  readonly impureFiles?: readonly string[];
}

export const purePackages: readonly string[];
export const moduleMap: Readonly<Record<string, ModuleRule>>;
