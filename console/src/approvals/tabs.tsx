import type { ComponentChildren } from 'preact';

/**
 * WAI-ARIA tabs: a tablist whose arrow keys (and Home/End) move between tabs and select them, one tab panel.
 * Only the selected tab is in the Tab order, as the pattern asks.
 */
export function Tabs({
  label,
  tabs,
  selected,
  onSelect,
  children,
}: {
  label: string;
  tabs: readonly { readonly id: string; readonly title: string }[];
  selected: string;
  onSelect: (id: string) => void;
  children: ComponentChildren;
}) {
  const index = tabs.findIndex((tab) => tab.id === selected);
  function keyDown(event: KeyboardEvent) {
    const moves: Record<string, number> = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: tabs.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const tab = tabs[(target + tabs.length) % tabs.length]!;
    onSelect(tab.id);
    document.getElementById(`tab-${tab.id}`)?.focus();
  }
  return (
    <div class="tabs">
      <div role="tablist" aria-label={label} onKeyDown={keyDown}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            class={tab.id === selected ? 'tab selected' : 'tab'}
            aria-selected={tab.id === selected}
            aria-controls={tab.id === selected ? `panel-${selected}` : undefined}
            tabIndex={tab.id === selected ? 0 : -1}
            onClick={() => onSelect(tab.id)}
          >
            {tab.title}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${selected}`} aria-labelledby={`tab-${selected}`}>
        {children}
      </div>
    </div>
  );
}
