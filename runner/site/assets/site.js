// The book site's behaviour: the reader's values in every block and copy, copy buttons, the theme,
// arrow keys, the chapter drawer, the outline, search. A classic script, so it works from file://.
(() => {
  const root = document.documentElement;

  document.querySelector('.theme')?.addEventListener('click', () => {
    const theme = root.dataset.theme === 'dark' ? 'light' : 'dark';
    root.dataset.theme = theme;
    localStorage.setItem('theme', theme);
  });

  // ---- The reader's values -------------------------------------------------------------------
  const book = window.labBook || { title: '', variables: [] };
  const variables = new Map(book.variables.map((variable) => [variable.name, variable]));
  // `${NAME}`, or `\${NAME}` which the runner leaves as written in a file.
  const REFERENCE = /(\\?)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
  // A value put into a command as text must not be read by the shell as anything but a word.
  const SAFE_IN_COMMAND = /^[A-Za-z0-9._:/@%+=,-]+$/;
  const KEY = `lab-value:${book.title}:`;
  // Secrets (keys, tokens) stay in this tab; the rest is kept in this browser.
  const storeFor = (name) => (variables.get(name)?.secret ? sessionStorage : localStorage);

  /** Whether the book accepts this value (book.yaml's valid:, which the book's own default passes too). */
  const accepts = (name, value) => {
    const valid = variables.get(name)?.valid;
    return !valid || value === '' || new RegExp(valid.pattern, 'u').test(value);
  };
  // A value the book would refuse is never applied, even one kept from before the rule.
  const readStored = (name) => {
    const value = storeFor(name).getItem(KEY + name) || '';
    return accepts(name, value) ? value : '';
  };
  /** The reader's value, else the book's; undefined when neither is set. */
  const valueOf = (name) => readStored(name) || variables.get(name)?.default || undefined;
  const commandValue = (name) => {
    const value = valueOf(name);
    return value !== undefined && SAFE_IN_COMMAND.test(value) ? value : undefined;
  };

  /** The text in pieces: literal text, and references to a variable with its value (if set). */
  function split(text, inFile) {
    const pieces = [];
    let last = 0;
    for (const match of text.matchAll(REFERENCE)) {
      const [whole, escape, name] = match;
      // A command only gets the book's own variables; a file gets every ${NAME}, as the runner does.
      if (escape || (!inFile && !variables.has(name))) continue;
      if (match.index > last) pieces.push({ text: text.slice(last, match.index) });
      pieces.push({ name, value: inFile ? valueOf(name) : commandValue(name), whole });
      last = match.index + whole.length;
    }
    if (last < text.length) pieces.push({ text: text.slice(last) });
    return pieces;
  }

  const singleQuote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;

  /** A shell word for the pieces: literal text single-quoted, unset variables expanded by the shell. */
  function shellWord(pieces) {
    return pieces
      .map((piece) => {
        const text = piece.text ?? piece.value;
        return text !== undefined ? (text === '' ? '' : singleQuote(text)) : `"\${${piece.name}}"`;
      })
      .join('') || "''";
  }

  /** What a copy button puts on the clipboard: exactly what to paste, with the reader's values. */
  function copyText(button) {
    const data = button.dataset;
    if (data.copyKind === 'file') {
      // The content goes through printf as single-quoted text: nothing in it is ever run.
      const content = split(data.content, true);
      let path = split(data.path, true);
      let home = '';
      if (path[0]?.text?.startsWith('~/')) {
        home = '"$HOME"/';
        path = [{ text: path[0].text.slice(2) }, ...path.slice(1)];
      }
      const unset = [...new Set([...content, ...path].filter((piece) => piece.name && piece.value === undefined).map((piece) => piece.name))];
      const guard = unset.map((name) => `: "\${${name}:?is not set: enter it in Your values on the site, or set it in this shell}" && `).join('');
      const sudo = data.sudo ? 'sudo ' : '';
      return `${guard}printf '%s' ${shellWord(content)} | ${sudo}install -D -m ${data.mode} /dev/stdin ${home}${shellWord(path)}`;
    }
    const pieces = split(data.script, false);
    const script = pieces.map((piece) => piece.text ?? piece.value ?? piece.whole).join('');
    // A value no shell may read as words (a certificate, say) is set first, single-quoted, and read from there.
    const assignments = [...new Set(pieces.filter((piece) => piece.name && piece.value === undefined && valueOf(piece.name) !== undefined).map((piece) => piece.name))]
      .map((name) => `${name}=${singleQuote(valueOf(name))}\n`)
      .join('');
    return assignments + (data.capture ? `${data.capture}=$(\n${script}\n)` : script);
  }
  window.labCopyText = copyText;

  /** Every `${NAME}` on the page shows the reader's value, or stands out as not set. */
  function showValues() {
    for (const span of document.querySelectorAll('span.var[data-var]')) {
      const name = span.dataset.var;
      const inFile = Boolean(span.closest('figure.step-file'));
      const value = inFile ? valueOf(name) : commandValue(name);
      span.textContent = value ?? `\${${name}}`;
      span.classList.toggle('var-unset', valueOf(name) === undefined);
      span.title =
        value === undefined
          ? valueOf(name) === undefined
            ? `${name} is not set: enter it in Your values`
            : `${name} holds characters a shell would read: the copy sets it first`
          : `${name}${readStored(name) ? ' (yours)' : ' (the book’s)'}`;
    }
    for (const need of document.querySelectorAll('[data-need]')) {
      const set = valueOf(need.dataset.need) !== undefined;
      need.classList.toggle('var-unset', !set);
      need.title = set ? 'set' : 'not set: enter it in Your values';
    }
    for (const field of document.querySelectorAll('input[data-var], textarea[data-var]')) {
      const name = field.dataset.var;
      if (document.activeElement !== field) field.value = readStored(name);
      const variable = variables.get(name);
      const refused = !accepts(name, field.value);
      field.setAttribute('aria-invalid', String(refused || (field.value !== '' && !variable?.captured && !SAFE_IN_COMMAND.test(field.value))));
      const error = document.getElementById(`${field.id}-error`);
      if (error) {
        const kept = valueOf(name);
        error.textContent = refused
          ? `Not applied: ${name} must be ${variable.valid.message}. The code keeps ${kept === undefined ? 'it unset' : kept}.`
          : '';
      }
    }
  }

  for (const field of document.querySelectorAll('input[data-var], textarea[data-var]')) {
    field.addEventListener('input', () => {
      const name = field.dataset.var;
      if (field.value === '' || !accepts(name, field.value)) storeFor(name).removeItem(KEY + name);
      else storeFor(name).setItem(KEY + name, field.value);
      showValues();
    });
  }
  document.querySelector('.values-forget')?.addEventListener('click', () => {
    for (const name of variables.keys()) storeFor(name).removeItem(KEY + name);
    showValues();
  });
  const dialog = document.getElementById('values-dialog');
  for (const button of document.querySelectorAll('button.values-open')) button.addEventListener('click', () => dialog?.showModal());
  addEventListener('storage', showValues);
  showValues();

  // ---- Copy ----------------------------------------------------------------------------------
  async function writeClipboard(text) {
    try {
      return await navigator.clipboard.writeText(text);
    } catch {
      // Plain http on another host has no Clipboard API; some browsers refuse it on file://.
    }
    const area = Object.assign(document.createElement('textarea'), { value: text });
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  for (const button of document.querySelectorAll('button.copy')) {
    button.setAttribute('aria-label', 'Copy this step');
    button.addEventListener('click', async () => {
      await writeClipboard(copyText(button));
      button.textContent = 'Copied';
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    });
  }

  // ---- The chapter drawer on a phone -----------------------------------------------------------
  const menu = document.querySelector('.menu');
  const sidebar = document.getElementById('sidebar');
  const setMenu = (open) => {
    sidebar?.classList.toggle('open', open);
    menu?.setAttribute('aria-expanded', String(open));
  };
  menu?.addEventListener('click', () => setMenu(!sidebar.classList.contains('open')));
  document.addEventListener('click', (event) => {
    if (sidebar?.classList.contains('open') && !sidebar.contains(event.target) && !menu.contains(event.target)) setMenu(false);
  });

  // ---- Keys: ← → between pages, unless the reader is in a field, a code block or a dialog ------
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && sidebar?.classList.contains('open')) return setMenu(false);
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented) return;
    if (event.target.closest?.('input, textarea, select, pre, dialog, [contenteditable], .search')) return;
    const rel = event.key === 'ArrowLeft' ? 'prev' : event.key === 'ArrowRight' ? 'next' : undefined;
    const link = rel && document.querySelector(`.pager a[rel="${rel}"]`);
    if (link) location.href = link.href;
  });

  // ---- The outline follows the reading position ----------------------------------------------
  const outlineLinks = [...document.querySelectorAll('.outline a[href^="#"]')];
  const headings = outlineLinks.map((link) => document.getElementById(decodeURIComponent(link.hash.slice(1))));
  let scheduled = false;
  const followReading = () => {
    scheduled = false;
    let current = -1;
    headings.forEach((heading, index) => {
      if (heading && heading.getBoundingClientRect().top < 120) current = index;
    });
    outlineLinks.forEach((link, index) => {
      if (index === current) link.setAttribute('aria-current', 'location');
      else link.removeAttribute('aria-current');
    });
  };
  if (outlineLinks.length > 0) {
    addEventListener('scroll', () => {
      if (!scheduled) (scheduled = true), requestAnimationFrame(followReading);
    }, { passive: true });
    followReading();
  }

  // ---- Search --------------------------------------------------------------------------------
  const input = document.getElementById('search-input');
  const panel = document.getElementById('search-panel');
  const results = document.getElementById('search-results');
  const status = document.getElementById('search-status');
  let index;
  let active = -1;
  // Loaded as scripts (not fetched), so search works from file:// too.
  const loadScript = (src) =>
    new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement('script'), { src });
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.append(script);
    });
  let loading;
  const load = () =>
    (loading ??= Promise.all([loadScript('assets/minisearch.js'), loadScript('assets/search-index.js')]).then(() => {
      const { options, processTerm, index: json } = window.labSearch;
      index = MiniSearch.loadJSON(json, { ...options, processTerm });
      return index;
    }));

  const stemsOf = (text) => window.labSearch.queryTerms(text).map((word) => window.labSearch.processTerm(word));

  /** Whether a word of the text is one the query looks for (its stem starts a query's, or the reverse for a joined pair). */
  const matches = (word, stems) => {
    const stem = window.labSearch.processTerm(word);
    return stems.some((query) => stem.startsWith(query) || (stem.length >= 4 && query.startsWith(stem)));
  };

  /** The text with the words the query looks for marked. */
  function mark(text, stems, start = 0, end = text.length) {
    const fragment = document.createDocumentFragment();
    let last = start;
    for (const word of text.matchAll(/[\p{L}\p{N}_]+/gu)) {
      if (word.index < start || word.index + word[0].length > end || !matches(word[0], stems)) continue;
      fragment.append(text.slice(last, word.index), Object.assign(document.createElement('mark'), { textContent: word[0] }));
      last = word.index + word[0].length;
    }
    fragment.append(text.slice(last, end));
    return fragment;
  }

  /** Up to 200 characters of the section around its first match, matches marked. */
  function excerpt(text, stems) {
    const words = [...text.matchAll(/[\p{L}\p{N}_]+/gu)];
    const first = words.find((word) => matches(word[0], stems));
    const start = first ? Math.max(0, text.lastIndexOf(' ', Math.max(0, first.index - 60)) + 1) : 0;
    const end = Math.min(text.length, start + 200);
    const fragment = document.createDocumentFragment();
    fragment.append(start > 0 ? '…' : '', mark(text, stems, start, end), end < text.length ? '…' : '');
    return fragment;
  }

  const options = () => [...results.querySelectorAll('[role="option"]')];
  function setActive(next) {
    const list = options();
    if (list.length === 0) return;
    active = (next + list.length) % list.length;
    list.forEach((option, position) => option.setAttribute('aria-selected', String(position === active)));
    input.setAttribute('aria-activedescendant', list[active].id);
    list[active].scrollIntoView({ block: 'nearest' });
  }
  function close() {
    panel.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }
  const go = (option) => {
    close();
    location.href = option.dataset.href;
  };

  async function search() {
    const query = input.value.trim();
    if (query.length < 2) return close();
    await load();
    if (input.value.trim() !== query) return;
    const hits = index.search(query, {
      prefix: true,
      fuzzy: (term) => (term.length > 5 ? 0.2 : false),
      combineWith: 'AND',
      boost: { title: 3 },
      tokenize: window.labSearch.queryTerms,
      processTerm: window.labSearch.processTerm,
    }).slice(0, 12);
    const stems = stemsOf(query);
    results.replaceChildren(
      ...hits.map((hit, position) => {
        const option = Object.assign(document.createElement('li'), { id: `search-option-${position}` });
        option.setAttribute('role', 'option');
        option.setAttribute('aria-selected', 'false');
        option.dataset.href = hit.href;
        const title = Object.assign(document.createElement('span'), { className: 'result-title' });
        title.append(mark(hit.title, stems));
        const page = Object.assign(document.createElement('span'), { className: 'result-page', textContent: hit.page });
        const text = Object.assign(document.createElement('span'), { className: 'result-excerpt' });
        text.append(excerpt(hit.text, stems));
        option.append(title, page, text);
        option.addEventListener('click', () => go(option));
        return option;
      }),
    );
    status.textContent = hits.length === 0 ? `Nothing found for “${query}”` : `${hits.length} section${hits.length === 1 ? '' : 's'} found`;
    active = -1;
    input.removeAttribute('aria-activedescendant');
    panel.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  input?.addEventListener('input', search);
  input?.addEventListener('focus', () => load().catch(() => {}));
  input?.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (panel.hidden) return;
      event.preventDefault();
      setActive(active === -1 ? (event.key === 'ArrowDown' ? 0 : -1) : active + (event.key === 'ArrowDown' ? 1 : -1));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const list = options();
      if (list.length > 0) go(list[Math.max(active, 0)]);
    } else if (event.key === 'Escape') {
      if (!panel.hidden) close();
      else input.value = '';
    }
  });
  document.addEventListener('pointerdown', (event) => {
    if (panel && !panel.hidden && !event.target.closest('.search')) close();
  });
  // "/" jumps to search, as on most documentation sites.
  document.addEventListener('keydown', (event) => {
    if (event.key === '/' && !event.target.closest?.('input, textarea, dialog') && input) {
      event.preventDefault();
      input.focus();
    }
  });
})();
