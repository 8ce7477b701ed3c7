import { diffCounts, type DiffLine } from './line-diff.js';

/** A line diff as a table: old and new line numbers, then the line, marked added or removed in words too. */
export function DiffView({ lines, caption }: { lines: readonly DiffLine[]; caption: string }) {
  const { added, removed } = diffCounts(lines);
  return (
    <table class="line-diff">
      <caption>
        {caption}: {added} line{added === 1 ? '' : 's'} added, {removed} removed
      </caption>
      <thead>
        <tr>
          <th scope="col">Old</th>
          <th scope="col">New</th>
          <th scope="col">Line</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line, index) => (
          <tr key={index} class={`diff-${line.kind}`}>
            <td class="line-number">{line.oldLine ?? ''}</td>
            <td class="line-number">{line.newLine ?? ''}</td>
            <td>
              <span class="visually-hidden">{line.kind === 'same' ? '' : `${line.kind}: `}</span>
              <span aria-hidden="true">{line.kind === 'added' ? '+' : line.kind === 'removed' ? '-' : ' '}</span>
              <code>{line.text}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
