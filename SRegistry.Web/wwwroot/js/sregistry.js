// Small browser helpers the components call through JS interop.
window.sregistry = {
  // navigator.clipboard only exists on secure origins; a plain-http intranet registry needs the fallback.
  copy: async function (text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (e) { /* fall through to the fallback */ }
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  },
  submit: function (formId) {
    const form = document.getElementById(formId);
    if (form) { form.submit(); }
  },
  // The light/dark choice, remembered in this browser (theme.js applies it before the next first paint).
  theme: {
    get: function () {
      try { return localStorage.getItem('sregistry.theme'); } catch (e) { return null; }
    },
    set: function (theme) {
      try { localStorage.setItem('sregistry.theme', theme); } catch (e) { /* not remembered */ }
      document.documentElement.setAttribute('data-theme', theme);
    }
  }
};

// The skip link moves keyboard focus to the page, not only the scroll position. In the capture phase, before Blazor's
// link handling: on a static page that would take "#main-content" (under <base href="/">) for a navigation to the home page.
document.addEventListener('click', function (event) {
  const link = event.target.closest && event.target.closest('a.skip-link');
  const main = document.getElementById('main-content');
  if (link && main) {
    event.preventDefault();
    main.focus();
  }
}, true);

// Static pages (no circuit, see PageRendering): the few controls they have, found by their data- attributes. Delegated
// from the document, so they keep working after Blazor's enhanced navigation swaps the page's HTML.
(function () {
  const status = function (text) {
    const box = document.getElementById('static-status');
    if (!box) { return; }
    box.textContent = text;
    clearTimeout(box.sregistryTimer);
    box.sregistryTimer = setTimeout(function () { box.textContent = ''; }, 4000);
  };

  const toggleDrawer = function () {
    const drawer = document.querySelector('.mud-drawer');
    const layout = document.querySelector('.mud-layout');
    if (!drawer) { return; }
    // Below the breakpoint MudBlazor's CSS hides the server-rendered ("initial") drawer though it is marked open.
    const shown = drawer.classList.contains('mud-drawer--open') && getComputedStyle(drawer).display !== 'none';
    drawer.classList.remove('mud-drawer--initial');
    drawer.classList.toggle('mud-drawer--open', !shown);
    drawer.classList.toggle('mud-drawer--closed', shown);
    if (layout) {
      layout.className = layout.className.replace(/mud-drawer-(open|close)-/g, 'mud-drawer-' + (shown ? 'close' : 'open') + '-');
    }
  };

  const toggleTheme = function () {
    sregistry.theme.set(document.documentElement.getAttribute('data-theme') === 'dark' ? 'light' : 'dark');
  };

  const unfold = function (button) {
    const rest = button.closest('.definition-file').querySelector('[data-fold-rest]');
    const more = button.closest('.definition-file').querySelector('[data-fold-more]');
    const label = button.querySelector('.mud-button-label') || button;
    const folded = rest.hidden;
    rest.hidden = !folded;
    more.hidden = folded;
    label.textContent = folded ? 'Fold' : button.getAttribute('data-fold');
  };

  document.addEventListener('click', async function (event) {
    const target = event.target.closest ? event.target : null;
    const action = target && target.closest('[data-static-action]');
    if (action) {
      if (action.getAttribute('data-static-action') === 'drawer') { toggleDrawer(); } else { toggleTheme(); }
      return;
    }
    const fold = target && target.closest('[data-fold]');
    if (fold) {
      unfold(fold);
      return;
    }
    const copy = target && target.closest('[data-copy]');
    if (copy) {
      const copied = await sregistry.copy(copy.getAttribute('data-copy'));
      status(copied ? 'Copied the ' + copy.getAttribute('data-copy-label')
        : 'Your browser blocked the clipboard; select the text and copy it by hand');
    }
  });

  // Blazor's FocusOnNavigate needs a circuit: after an in-app navigation to a static page, focus its heading here, so
  // screen readers announce the new page.
  if (window.Blazor && Blazor.addEventListener) {
    Blazor.addEventListener('enhancedload', function () {
      const heading = document.querySelector('#ready[data-static=true]') && document.querySelector('main h1');
      if (heading) {
        if (!heading.hasAttribute('tabindex')) { heading.setAttribute('tabindex', '-1'); }
        heading.focus();
      }
    });
  }
})();
