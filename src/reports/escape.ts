/**
 * Escaping for every format podchurn writes. Pod names, log lines and error messages come from
 * runtimes and users; none of them may ever become markup.
 */

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML text/attribute content; control characters (invalid in HTML, and terminal escapes when the file is printed) become U+FFFD. */
export function escapeHtml(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '\uFFFD').replace(/[&<>"']/g, (c) => htmlEntities[c]!);
}

/**
 * JSON safe to embed inside <script type="application/json">: `<` can never open `</script>` or
 * `<!--`, and U+2028/U+2029 stay escaped for older parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * XML 1.0 text/attribute content: escapes markup and drops characters XML cannot carry at all
 * (control characters other than tab/newline/CR, lone surrogates), which runtime logs do contain.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/[&<>"']/g, (c) => (c === "'" ? '&apos;' : htmlEntities[c]!));
}

/**
 * Text for a Markdown table cell or paragraph rendered by GitHub: pipes and newlines would break
 * the table, and GitHub renders inline HTML, so markup characters are turned into entities.
 */
export function escapeMarkdownText(text: string): string {
  return escapeTerminal(text)
    .replace(/([\\`*_[\]])/g, '\\$1')
    .replace(/[&<>]/g, (c) => htmlEntities[c]!)
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

/**
 * Text for a terminal: control characters from runtimes or scenario values (an ESC sequence could
 * clear the screen, retitle the window or forge colours) become U+FFFD; tab and newline stay.
 */
export function escapeTerminal(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
}

/** A fenced code block whose fence is longer than any backtick run inside, so a log line cannot close it. */
export function markdownCodeBlock(raw: string): string {
  // Control characters would be terminal escapes when the file is printed.
  const text = escapeTerminal(raw);
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}
