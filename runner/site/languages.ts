import type { LanguageRegistration } from 'shiki/core';

/**
 * The languages the site highlights: the book's, not every grammar Shiki has (each would be a
 * chunk of the CLI). The highlighter and the build's regex table (shiki-regexes.ts) load these.
 */
export const loadLanguages = async (): Promise<LanguageRegistration[]> =>
  (
    await Promise.all([
      import('shiki/langs/shellscript.mjs'),
      import('shiki/langs/yaml.mjs'),
      import('shiki/langs/json.mjs'),
      import('shiki/langs/toml.mjs'),
      import('shiki/langs/ini.mjs'),
      import('shiki/langs/diff.mjs'),
    ])
  ).flatMap((module) => module.default);
