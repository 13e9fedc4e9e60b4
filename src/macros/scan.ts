// Quote-aware scanning shared by comment stripping and macro expansion. Splunk leaves backticks inside
// double-quoted strings alone (`"foo`bar`"` is literal; macros.conf.spec), so every search for a backtick
// skips quoted text. A backslash escapes the next character inside and outside quotes (`x=*\"on\"*` opens no
// quote), as the search language's own escapes do.

/** Index of the first backtick at or after `from` that is outside double quotes, or -1. Quotes are closed at `from`. */
export function nextUnquotedBacktick(text: string, from: number): number {
  let inQuote = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (inQuote) {
      if (c === '"') inQuote = false;
    } else if (c === '"') {
      inQuote = true;
    } else if (c === '`') {
      return i;
    }
  }
  return -1;
}
