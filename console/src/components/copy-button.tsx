import { useState } from 'preact/hooks';

/**
 * Copies `text` to the clipboard and says so in a live region. The Clipboard API needs a secure context (https
 * or localhost); elsewhere (a console reached by its LAN address) the text is put in a selected hidden textarea
 * and copied the old way.
 */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [said, setSaid] = useState('');
  async function copy() {
    try {
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(text);
      else copyByHand(text);
      setSaid('Copied');
    } catch {
      setSaid('Could not copy: select the text and copy it');
    }
    setTimeout(() => setSaid(''), 3000);
  }
  return (
    <span class="copy">
      <button type="button" class="secondary" onClick={() => void copy()}>
        {label}
      </button>
      <span class="muted" role="status" aria-live="polite">
        {said}
      </span>
    </span>
  );
}

function copyByHand(text: string): void {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}
