// The book site's behaviour: copy buttons, the theme toggle, arrow keys, the chapter menu, search.
(() => {
  const root = document.documentElement;

  document.querySelector('.theme')?.addEventListener('click', () => {
    const theme = root.dataset.theme === 'dark' ? 'light' : 'dark';
    root.dataset.theme = theme;
    localStorage.setItem('theme', theme);
  });

  for (const button of document.querySelectorAll('button.copy')) {
    button.addEventListener('click', async () => {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.textContent = 'Copied';
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    });
  }

  const menu = document.querySelector('.menu');
  menu?.addEventListener('click', () => {
    const open = document.getElementById('sidebar').classList.toggle('open');
    menu.setAttribute('aria-expanded', String(open));
  });

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.closest('input, textarea')) return;
    const rel = event.key === 'ArrowLeft' ? 'prev' : event.key === 'ArrowRight' ? 'next' : undefined;
    const link = rel && document.querySelector(`.pager a[rel="${rel}"]`);
    if (link) location.href = link.href;
  });

  const input = document.getElementById('search-input');
  const results = document.getElementById('search-results');
  let index;
  const load = async () => {
    if (index) return index;
    const response = await fetch('search-index.json');
    index = MiniSearch.loadJSON(await response.text(), { fields: ['title', 'text'], storeFields: ['title', 'href', 'chapter'] });
    return index;
  };
  input?.addEventListener('input', async () => {
    const query = input.value.trim();
    if (query.length < 2) {
      results.hidden = true;
      return;
    }
    const hits = (await load()).search(query, { prefix: true, fuzzy: 0.2, combineWith: 'AND', boost: { title: 3 } }).slice(0, 8);
    results.replaceChildren(
      ...hits.map((hit) => {
        const item = document.createElement('li');
        const link = document.createElement('a');
        link.href = hit.href;
        link.textContent = hit.title;
        const where = document.createElement('small');
        where.textContent = hit.chapter;
        link.append(where);
        item.append(link);
        return item;
      }),
    );
    if (hits.length === 0) {
      const item = document.createElement('li');
      item.textContent = 'Nothing found';
      results.append(item);
    }
    results.hidden = false;
  });
})();
