/** Where commands print: stdout for what was asked for, stderr for notes and problems. */
export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
}
