/**
 * The classes a tool is sorted into: what it does (its category) and how much harm a misused call can do (its
 * risk). The words are the seed pages' catalogue's, so that a policy written for it reads the same here.
 */
export const CATEGORIES = ['Read', 'Write', 'Execute', 'Destructive', 'Financial', 'Other'] as const;
type Category = (typeof CATEGORIES)[number];

/** From least to most severe: a risk's index is its severity. */
export const RISKS = ['Low', 'Medium', 'High', 'Critical'] as const;
type Risk = (typeof RISKS)[number];

/** A tool's class: what the policy's `categories` and `risks` rules match on. */
export interface ToolClass {
  readonly category: Category;
  readonly risk: Risk;
}
