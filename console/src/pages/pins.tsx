import type { PageProps } from '../app.js';

// Placeholder until this page is built (issue 14).
export function PinsPage(_props: PageProps) {
  return <h1>Not built yet</h1>;
}
