/**
 * The tool risk classifier: a category (Read, Write, Execute, Destructive, Financial, Other) and a risk (Low to
 * Critical) for each tool, from its own definition, with the evidence quoted and signs of poisoning flagged.
 * Pure: no I/O, no clock, no randomness.
 */
export {
  CATEGORIES,
  type Category,
  type Classification,
  type Evidence,
  RISKS,
  type Risk,
  type ToolDefinition,
  type Warning,
} from './classification.js';
export { classifyTool } from './classify-tool.js';
export { classifyServers, type ServerTools } from './classify-servers.js';
